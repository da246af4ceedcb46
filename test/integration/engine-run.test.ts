import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// `berth run` end to end through the CLI binary, on a private data root: image → overlay rootfs
// → runtime → exit code → everything removed.
const root = process.getuid?.() === 0;
const skip = root ? false : "needs root (mounts, namespaces, cgroups)";
const berth = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/bin/berth.js");
let dataRoot = "";
let execRoot = "";

function run(args: string[]) {
  const r = spawnSync(process.execPath, [berth, ...args], { env: { ...process.env, BERTH_DATA_ROOT: dataRoot, BERTH_EXEC_ROOT: execRoot }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  // Short paths: the shim's control socket path must fit in sun_path.
  execRoot = mkdtempSync("/tmp/bt-");
  dataRoot = mkdtempSync("/tmp/berth-test-data-");
});

after(() => {
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  if (execRoot) rmSync(execRoot, { recursive: true, force: true });
});

function assertNothingLeft() {
  assert.deepEqual(readdirSync(join(dataRoot, "containers")), [], "container directories left behind");
  const mounts = readFileSync("/proc/mounts", "utf8").split("\n").filter((l) => l.includes(dataRoot));
  assert.deepEqual(mounts, [], "mounts left behind");
  const runtimeDir = join(execRoot, "runtime");
  const states = existsSync(runtimeDir) ? readdirSync(runtimeDir).filter((n) => !n.startsWith(".")) : [];
  assert.deepEqual(states, [], "runtime state left behind");
  const cgroups = existsSync("/sys/fs/cgroup/memory/berth") ? readdirSync("/sys/fs/cgroup/memory/berth") : [];
  for (const c of cgroups) assert.ok(!/^[0-9a-f]{64}$/.test(c) || existsSync(join(execRoot, "runtime", c)), `cgroup ${c} left behind`);
}

test("run prints the container's output and returns its exit code", { skip }, () => {
  const r = run(["run", "--rm", "busybox", "sh", "-c", "echo hello; echo oops >&2; exit 7"]);
  assert.equal(r.out, "hello\n");
  assert.match(r.err, /oops/);
  assert.equal(r.code, 7);
  assertNothingLeft();
});

test("the container sees its own pid namespace, hostname, user, env and workdir", { skip }, () => {
  const r = run(["run", "-e", "FOO=bar", "-u", "nobody", "-w", "/tmp", "--hostname", "boat", "busybox", "sh", "-c", 'echo $$ $(hostname) $(id -u) $FOO $(pwd) $HOSTNAME']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), "1 boat 65534 bar /tmp boat");
});

test("Docker's defaults: capability set, seccomp filter, no namespace creation", { skip }, () => {
  const r = run(["run", "busybox", "sh", "-c", "grep -E '^(CapEff|Seccomp):' /proc/self/status; unshare -U true && echo UNSHARED"]);
  assert.equal(r.code, 1);
  assert.match(r.out, /CapEff:\s+00000000a80425fb/);
  assert.match(r.out, /Seccomp:\s+2/);
  assert.doesNotMatch(r.out, /UNSHARED/);
  assert.match(r.err, /Operation not permitted/);
});

test("resource flags reach the cgroup", { skip }, () => {
  const r = run(["run", "--memory", "20m", "--pids-limit", "50", "busybox", "sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max"]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split("\n"), ["20971520", "50"]);
  assertNothingLeft();
});

test("--read-only makes the root filesystem read-only; writes are otherwise private to the container", { skip }, () => {
  const ro = run(["run", "--read-only", "busybox", "touch", "/x"]);
  assert.equal(ro.code, 1);
  assert.match(ro.err, /Read-only file system/);
  const rw = run(["run", "busybox", "sh", "-c", "echo data > /etc/written && cat /etc/written"]);
  assert.equal(rw.out, "data\n");
  const again = run(["run", "busybox", "cat", "/etc/written"]);
  assert.equal(again.code, 1, "a new container must not see another's writes");
  assertNothingLeft();
});

test("exit codes follow docker: 127 for a missing command, 125 for an engine error", { skip }, () => {
  const missing = run(["run", "busybox", "no-such-command"]);
  assert.equal(missing.code, 127);
  assert.match(missing.err, /no-such-command/);
  const noImage = run(["run", "no-such-image"]);
  assert.equal(noImage.code, 125);
  assert.match(noImage.err, /No such image: no-such-image/);
  const badFlag = run(["run", "--memory", "lots", "busybox", "true"]);
  assert.equal(badFlag.code, 125);
  assert.match(badFlag.err, /invalid argument "lots" for "--memory"/);
  assertNothingLeft();
});

test("images lists the built-in busybox image", { skip }, () => {
  const r = run(["images"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
  assert.match(r.out, /\nbusybox\s+latest\s+[0-9a-f]{12}\s/);
});
