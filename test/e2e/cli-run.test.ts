/**
 * `berth run` end to end through berthd (formerly the in-process engine's test): the container's
 * output and exit code, the process environment, Docker's security defaults, resource flags in
 * the cgroup, a read-only root, docker's exit codes, and the built-in busybox image; every
 * container removed and nothing left behind (the daemon helper's leak check).
 */
import { after, before, test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { cliSkipReason, cliTarget, type CliTarget } from "../integration/cli-env.js";

const skip = daemonSkipReason() ?? cliSkipReason() ?? false;
let daemon: TestDaemon | undefined;
let t: CliTarget;

before(async () => {
  if (skip) return;
  daemon = await startTestDaemon();
  t = cliTarget(daemon.sock, join(daemon.dir, "home"), ["--network", "none"]);
});

after(async () => {
  if (!daemon) return;
  const left = (await t.berth(["ps", "-aq"])).stdout.trim();
  const forced = await daemon.cleanup();
  assert.equal(left, "", "--rm containers must be gone");
  assert.deepEqual(forced, [], "berthd left resources behind");
});

const run = (args: string[]) => t.berth(["run", "--rm", ...args]);

test("run prints the container's output and returns its exit code", { skip }, async () => {
  const r = await run(["busybox", "sh", "-c", "echo hello; echo oops >&2; exit 7"]);
  assert.equal(r.stdout, "hello\n");
  assert.match(r.stderr, /oops/);
  assert.equal(r.code, 7);
});

test("the container sees its own pid namespace, hostname, user, env and workdir", { skip }, async () => {
  const r = await run(["-e", "FOO=bar", "-u", "nobody", "-w", "/tmp", "--hostname", "boat", "busybox", "sh", "-c", "echo $$ $(hostname) $(id -u) $FOO $(pwd) $HOSTNAME"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "1 boat 65534 bar /tmp boat");
});

test("Docker's defaults: capability set, seccomp filter, no namespace creation", { skip }, async () => {
  const r = await run(["busybox", "sh", "-c", "grep -E '^(CapEff|Seccomp):' /proc/self/status; unshare -U true && echo UNSHARED"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /CapEff:\s+00000000a80425fb/);
  assert.match(r.stdout, /Seccomp:\s+2/);
  assert.doesNotMatch(r.stdout, /UNSHARED/);
  assert.match(r.stderr, /Operation not permitted/);
});

test("resource flags reach the cgroup", { skip }, async () => {
  const r = await run(["--memory", "20m", "--pids-limit", "50", "busybox", "sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), ["20971520", "50"]);
});

test("--read-only makes the root filesystem read-only; writes are otherwise private to the container", { skip }, async () => {
  const ro = await run(["--read-only", "busybox", "touch", "/x"]);
  assert.equal(ro.code, 1);
  assert.match(ro.stderr, /Read-only file system/);
  const rw = await run(["busybox", "sh", "-c", "echo data > /etc/written && cat /etc/written"]);
  assert.equal(rw.stdout, "data\n");
  const again = await run(["busybox", "cat", "/etc/written"]);
  assert.equal(again.code, 1, "a new container must not see another's writes");
});

test("exit codes follow docker: 127 for a missing command, 125 for a daemon error or a bad flag", { skip }, async () => {
  const missing = await run(["busybox", "no-such-command"]);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /no-such-command/);
  const noImage = await run(["--pull", "never", "no-such-image"]);
  assert.equal(noImage.code, 125);
  assert.match(noImage.stderr, /No such image: no-such-image/);
  const badFlag = await run(["--memory", "lots", "busybox", "true"]);
  assert.equal(badFlag.code, 125);
  assert.match(badFlag.stderr, /invalid argument "lots" for "--memory"/);
});

test("images lists the built-in busybox image", { skip }, async () => {
  const r = await t.berth(["images"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
  assert.match(r.stdout, /\nbusybox\s+latest\s+[0-9a-f]{12}\s/);
});
