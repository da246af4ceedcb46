// berth-shim exec: joining a running container (pid ns, uts, mounts, cgroup), foreground exit
// codes, --detach with a pid file and an exit record, exec failures.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdir, readFile, rmdir } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  assertNothingLeft, basePlan, createAndStart, logLines, makeSandbox, processesMentioning, readLog, runShim, skipReason, waitExit, waitFor,
  waitGone, writePlan, type Report, type Sandbox,
} from "./shim-helpers.js";

const skip = skipReason();

async function runningContainer(sb: Sandbox, extra: (string | number)[][] = []): Promise<Report> {
  const plan = await writePlan(sb, basePlan(sb, "exec sleep 1000", extra));
  const r = await createAndStart(sb, plan);
  await waitFor("sleep to run", () => readFileSync(`/proc/${r.pid}/cmdline`, "utf8").startsWith("sleep"));
  return r;
}

async function stopContainer(sb: Sandbox, r: Report): Promise<void> {
  process.kill(r.pid!, "SIGKILL");
  await waitExit(sb.state);
  await waitGone(r.shimPid!);
}

function execPlan(sb: Sandbox, script: string, extra: (string | number)[][] = []): (string | number)[][] {
  return [["version", 1], ["env", "PATH=/bin"], ["env", `BERTH_TEST_SANDBOX=${sb.dir}`], ...extra, ["arg", "/bin/sh"], ["arg", "-c"], ["arg", script]];
}

test("exec joins the container's namespaces and exits with the program's status", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const c = await runningContainer(sb);
    const dir = join(sb.dir, "exec1");
    await mkdir(dir);
    const plan = await writePlan(sb, execPlan(sb, "echo $$; hostname; tr '\\0' ' ' < /proc/1/cmdline; echo; ls /dev; id -u; exit 6", [["user", 1000, 1000]]), "exec1.plan");
    const r = await runShim(["exec", "--state-dir", dir, "--plan", plan, "--target-pid", String(c.pid)]);
    assert.equal(r.ok, true, r.line);
    assert.equal(r.code, 6);
    const lines = r.stdout.split("\n");
    assert.notEqual(lines[0], "1");
    assert.ok(Number(lines[0]) > 1, "a pid of the container's namespace");
    assert.deepEqual(lines.slice(1), ["berth-test-host", "sleep 1000 ", "fd", "null", "zero", "1000", ""]);
    assert.deepEqual((await readFile(join(dir, "exit"), "utf8")).split("\t").slice(0, 2), ["exited", "6"]);
    assert.ok(!existsSync(join(dir, "ctl.sock")));
    await stopContainer(sb, c);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("exec --detach writes the pid file, logs, joins the cgroup and records the exit", { skip }, async () => {
  const cg = `/sys/fs/cgroup/pids/berth-test-${randomBytes(4).toString("hex")}`;
  const sb = await makeSandbox();
  await mkdir(cg);
  try {
    const c = await runningContainer(sb);
    const dir = join(sb.dir, "exec2");
    await mkdir(dir);
    const pidFile = join(dir, "pid");
    const plan = await writePlan(sb, execPlan(sb, "grep pids /proc/self/cgroup; echo detached; exit 2", [["cgroup_procs", join(cg, "cgroup.procs")]]), "exec2.plan");
    const r = await runShim(["exec", "--state-dir", dir, "--plan", plan, "--target-pid", String(c.pid), "--detach", "--pid-file", pidFile, "--log", join(dir, "log")]);
    assert.equal(r.ok, true, r.line);
    assert.equal(r.code, 0);
    assert.equal(await readFile(pidFile, "utf8"), String(r.pid));
    assert.deepEqual((await waitExit(dir)).value, 2);
    await waitGone(r.shimPid!);
    const out = logLines(await readLog(join(dir, "log")));
    assert.match(out[0], new RegExp(`:pids:/${cg.split("/").pop()}$`));
    assert.equal(out[1], "detached");
    await stopContainer(sb, c);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
    await rmdir(cg).catch(() => {});
  }
});

test("exec into a user-namespaced container sees its id maps", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const c = await runningContainer(sb, [["ns", "user", ""], ["uid_map", 0, 200000, 65536], ["gid_map", 0, 200000, 65536]]);
    const dir = join(sb.dir, "exec3");
    await mkdir(dir);
    const plan = await writePlan(sb, execPlan(sb, "cat /proc/self/uid_map; id -u"), "exec3.plan");
    const r = await runShim(["exec", "--state-dir", dir, "--plan", plan, "--target-pid", String(c.pid)]);
    assert.equal(r.ok, true, r.line);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout.split("\n").map((l) => l.trim().split(/\s+/).join(" ")), ["0 200000 65536", "0", ""]);
    await stopContainer(sb, c);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("exec of a missing program fails with stage exec and leaves only the container", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const c = await runningContainer(sb);
    const dir = join(sb.dir, "exec4");
    await mkdir(dir);
    const plan = await writePlan(sb, [["version", 1], ["env", "PATH=/bin"], ["arg", "no-such-program"]], "exec4.plan");
    const r = await runShim(["exec", "--state-dir", dir, "--plan", plan, "--target-pid", String(c.pid)]);
    assert.equal(r.ok, false);
    assert.equal(r.code, 1);
    assert.equal(r.stage, "exec");
    assert.equal(r.errno, 2);
    assert.match(r.message!, /no-such-program/);
    assert.deepEqual(processesMentioning(dir), []);
    assert.ok(!existsSync(join(dir, "ctl.sock")) && !existsSync(join(dir, "shim.pid")) && !existsSync(join(dir, "exit")));
    // The container is untouched.
    assert.ok(readFileSync(`/proc/${c.pid}/cmdline`, "utf8").startsWith("sleep"));
    await stopContainer(sb, c);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("create can join another container's namespaces by path (pid, uts, net, ipc, user)", { skip }, async () => {
  const a = await makeSandbox();
  const b = await makeSandbox();
  try {
    const userns: (string | number)[][] = [["ns", "user", ""], ["uid_map", 0, 300000, 65536], ["gid_map", 0, 300000, 65536]];
    const ca = await runningContainer(a, userns);
    const join = (kind: string) => ["ns", kind, `/proc/${ca.pid}/ns/${kind}`];
    // b gets its own mount namespace (owned by the joined user namespace) but shares the rest.
    const records = basePlan(b, "hostname; echo $$; cat /proc/self/uid_map; readlink /proc/1/exe")
      .filter((l) => !(l[0] === "ns" && l[1] !== "mnt") && l[0] !== "hostname")
      .concat([join("pid"), join("uts"), join("net"), join("ipc"), join("user")]);
    const plan = await writePlan(b, records);
    const rb = await createAndStart(b, plan);
    const e = await waitExit(b.state);
    await waitGone(rb.shimPid!);
    const out = logLines(await readLog(b.log));
    assert.deepEqual([e.kind, e.value], ["exited", 0], JSON.stringify(out));
    assert.equal(out[0], "berth-test-host");
    assert.ok(Number(out[1]) > 1, "not pid 1: the pid namespace of a");
    assert.equal(out[2].trim().split(/\s+/).join(" "), "0 300000 65536");
    assert.equal(out[3], "/bin/busybox");
    await stopContainer(a, ca);
    await assertNothingLeft(a);
    await assertNothingLeft(b);
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

test("foreground exec with a terminal copies our stdin to the pty and the pty to our stdout", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const c = await runningContainer(sb, [["mount", "/dev/pts", "devpts", "devpts", 2 | 8, 0, "newinstance,ptmxmode=0666,mode=0620"]]);
    const dir = join(sb.dir, "exec5");
    await mkdir(dir);
    const plan = await writePlan(sb, execPlan(sb, "tty; stty size; read x; echo got:$x; exit 5", [["terminal", 1], ["console_size", 33, 77]]), "exec5.plan");
    const r = await runShim(["exec", "--state-dir", dir, "--plan", plan, "--target-pid", String(c.pid)], { stdin: "hello\n" });
    assert.equal(r.ok, true, r.line);
    assert.equal(r.code, 5);
    const lines = r.stdout.split("\r\n");
    assert.ok(lines.includes("/dev/pts/0") && lines.includes("33 77") && lines.includes("got:hello"), JSON.stringify(r.stdout));
    await stopContainer(sb, c);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});
