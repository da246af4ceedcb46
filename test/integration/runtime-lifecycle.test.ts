import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { makeTestRuntime, runtimeSkipReason, uniqueId, leftovers, type TestRuntime } from "../helpers/runtime.js";
import { containerState } from "../../src/runtime/lifecycle/state.js";
import { killContainer } from "../../src/runtime/lifecycle/kill.js";
import { deleteContainer } from "../../src/runtime/lifecycle/delete.js";
import { execInContainer } from "../../src/runtime/lifecycle/exec.js";
import { listProcesses } from "../../src/runtime/lifecycle/ps.js";
import { createContainer } from "../../src/runtime/lifecycle/create.js";
import { startContainer } from "../../src/runtime/lifecycle/start.js";
import { containerDir } from "../../src/runtime/containerStore.js";
import { isEngineError } from "../../src/errors/EngineError.js";
import { exitStatusCode } from "../../src/runtime/exitRecord.js";

const skip = runtimeSkipReason();
let rt: TestRuntime;
before(async () => {
  if (!skip) rt = await makeTestRuntime();
});
after(async () => {
  if (rt) await rt.cleanup();
});

test("create -> created, start -> running, kill -> stopped, delete -> gone (nothing left)", { skip }, async () => {
  const b = await rt.bundle({ args: ["sleep", "1000"] });
  const id = uniqueId();
  await createContainer(rt.ctx, { id, bundle: b.bundle, stdio: "ignore" });
  const s1 = await containerState(rt.ctx, id);
  assert.equal(s1.status, "created");
  assert.ok(s1.pid! > 0);
  await startContainer(rt.ctx, id);
  assert.equal((await containerState(rt.ctx, id)).status, "running");
  assert.deepEqual(await listProcesses(rt.ctx, id), [s1.pid]);
  await killContainer(rt.ctx, id, { signal: "KILL" });
  const exit = await rt.wait(id);
  assert.deepEqual(exit && exit.kind === "signaled" ? exit.signal : exit, 9);
  assert.equal((await containerState(rt.ctx, id)).status, "stopped");
  await deleteContainer(rt.ctx, id);
  assert.deepEqual(leftovers(id, { stateDir: containerDir(rt.ctx.root, id), rootfs: b.rootfs }), []);
});

test("exit codes: the container's own code and death by signal", { skip }, async () => {
  const b = await rt.bundle({ args: ["sh", "-c", "exit 42"] });
  const r = await rt.run(b);
  assert.deepEqual(r.exit && r.exit.kind === "exited" ? r.exit.code : r.exit, 42);
  // pid 1 of a pid namespace ignores signals it has no handler for, even SIGTERM; SIGKILL from the host is not ignorable.
  const b2 = await rt.bundle({ args: ["sh", "-c", "kill -TERM $$; echo still here"] });
  const r2 = await rt.run(b2);
  assert.equal(r2.output.trim(), "still here");
  const c = await rt.start(await rt.bundle({ args: ["sleep", "1000"] }));
  await killContainer(rt.ctx, c.id, { signal: "SIGKILL" });
  const e = await rt.wait(c.id);
  assert.equal(e && exitStatusCode(e), 137);
  await deleteContainer(rt.ctx, c.id);
});

test("the process is pid 1 in its namespace and sees the spec's hostname, env and cwd", { skip }, async () => {
  const b = await rt.bundle({
    args: ["sh", "-c", 'echo "pid=$$ host=$(hostname) cwd=$(pwd) foo=$FOO"'],
    spec: (s) => {
      s.hostname = "berth-box";
      s.process!.env!.push("FOO=bar baz");
      s.process!.cwd = "/tmp/work";
    },
  });
  const r = await rt.run(b);
  assert.equal(r.output.trim(), "pid=1 host=berth-box cwd=/tmp/work foo=bar baz");
});

test("mounts: proc, sysfs read-only, tmpfs /dev with default devices and symlinks, a bind mount", { skip }, async () => {
  const b = await rt.bundle({
    args: ["sh", "-c", "grep -E ' /(proc|sys|dev|data) ' /proc/mounts | cut -d' ' -f2,3,4 | cut -d, -f1; ls /dev; readlink /dev/fd; cat /data/hello"],
    spec: (s) => s.mounts!.push({ destination: "/data", type: "bind", source: "data", options: ["rbind", "ro"] }),
  });
  const { mkdir, writeFile } = await import("node:fs/promises");
  await mkdir(join(b.bundle, "data"));
  await writeFile(join(b.bundle, "data/hello"), "from the host\n");
  const r = await rt.run(b);
  const lines = r.output.trim().split("\n");
  assert.ok(lines.includes("/proc proc rw"), r.output);
  assert.ok(lines.includes("/sys sysfs ro"), r.output);
  assert.ok(lines.includes("/dev tmpfs rw"), r.output);
  assert.ok(lines.includes("/data ext4 ro") || lines.some((l) => l.startsWith("/data ") && l.endsWith(" ro")), r.output);
  for (const dev of ["null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue", "fd", "stdin", "stdout", "stderr", "ptmx"]) assert.ok(lines.includes(dev), `/dev/${dev} in ${r.output}`);
  assert.ok(lines.includes("/proc/self/fd"));
  assert.equal(lines[lines.length - 1], "from the host");
});

test("exec runs in the container's namespaces; exec into a stopped container names the status", { skip }, async () => {
  const b = await rt.bundle({ args: ["sleep", "1000"], spec: (s) => (s.hostname = "exec-box") });
  const c = await rt.start(b);
  const { openSync, closeSync, readFileSync } = await import("node:fs");
  const out = join(rt.base, `${c.id}.exec`);
  const fd = openSync(out, "w+");
  try {
    const r = await execInContainer(rt.ctx, c.id, { args: ["sh", "-c", "hostname; echo $$; exit 7"], stdio: { stdin: "ignore", stdout: fd, stderr: fd } });
    assert.equal(r.exitCode, 7);
  } finally {
    closeSync(fd);
  }
  const [host, pid] = readFileSync(out, "utf8").trim().split("\n");
  assert.equal(host, "exec-box");
  assert.notEqual(pid, "1");
  await killContainer(rt.ctx, c.id, { signal: "KILL" });
  await rt.wait(c.id);
  await assert.rejects(execInContainer(rt.ctx, c.id, { args: ["true"], stdio: "ignore" }), (e: unknown) => isEngineError(e, "Conflict") && /cannot exec in a container that is stopped/.test((e as Error).message));
  await deleteContainer(rt.ctx, c.id);
});

test("a duplicate id is refused and leaves the first container running", { skip }, async () => {
  const b = await rt.bundle({ args: ["sleep", "1000"] });
  const c = await rt.start(b);
  await assert.rejects(createContainer(rt.ctx, { id: c.id, bundle: b.bundle, stdio: "ignore" }), (e: unknown) => isEngineError(e, "AlreadyExists"));
  assert.equal((await containerState(rt.ctx, c.id)).status, "running");
  await deleteContainer(rt.ctx, c.id, { force: true });
  assert.deepEqual(leftovers(c.id, { stateDir: containerDir(rt.ctx.root, c.id) }), []);
});

test("delete --force of a running container kills it and leaves nothing", { skip }, async () => {
  const b = await rt.bundle({ args: ["sh", "-c", "sleep 1000 & sleep 1000"] });
  const c = await rt.start(b);
  await deleteContainer(rt.ctx, c.id, { force: true });
  assert.deepEqual(leftovers(c.id, { stateDir: containerDir(rt.ctx.root, c.id), rootfs: b.rootfs }), []);
});

test("hooks: every phase runs with the state on stdin (pid filled in), in order", { skip }, async () => {
  const { mkdtemp, readFile, readdir } = await import("node:fs/promises");
  const out = await mkdtemp(join(rt.base, "hooks-"));
  // Each hook appends its phase and the state it was given to one file (host paths: all hooks run with the host's view, before pivot_root or outside).
  const hook = (phase: string) => ({ path: "/bin/sh", args: ["sh", "-c", `read -r s; echo "${phase} $s" >> ${out}/log`] });
  const b = await rt.bundle({
    args: ["true"],
    spec: (s) =>
      (s.hooks = {
        prestart: [hook("prestart")],
        createRuntime: [hook("createRuntime")],
        createContainer: [hook("createContainer")],
        poststart: [hook("poststart")],
        poststop: [hook("poststop")],
      }),
  });
  const c = await rt.start(b);
  await rt.wait(c.id);
  await deleteContainer(rt.ctx, c.id);
  const lines = (await readFile(join(out, "log"), "utf8")).trim().split("\n");
  assert.deepEqual(lines.map((l) => l.split(" ")[0]), ["prestart", "createRuntime", "createContainer", "poststart", "poststop"], lines.join("\n"));
  for (const l of lines) {
    const state = JSON.parse(l.slice(l.indexOf(" ") + 1));
    assert.equal(state.id, c.id);
    assert.equal(state.bundle, b.bundle);
    if (!l.startsWith("poststop")) assert.equal(state.pid, c.pid, l);
  }
  assert.deepEqual(await readdir(out), ["log"]);
});

test("a failing createRuntime hook fails create, naming the hook, and leaves nothing", { skip }, async () => {
  const b = await rt.bundle({ args: ["true"], spec: (s) => (s.hooks = { createRuntime: [{ path: "/bin/false" }] }) });
  const id = uniqueId();
  await assert.rejects(createContainer(rt.ctx, { id, bundle: b.bundle, stdio: "ignore" }), /hook/);
  assert.deepEqual(leftovers(id, { stateDir: containerDir(rt.ctx.root, id), rootfs: b.rootfs }), []);
});

test("with a log, the shim holds stdio and writes CRI log lines; waitContainer returns the code", { skip }, async () => {
  const { readFile } = await import("node:fs/promises");
  const { waitContainer } = await import("../../src/runtime/lifecycle/wait.js");
  const b = await rt.bundle({ args: ["sh", "-c", "echo to-out; echo to-err >&2; exit 3"] });
  const id = uniqueId();
  const log = join(rt.base, `${id}.log`);
  await createContainer(rt.ctx, { id, bundle: b.bundle, log: { path: log, maxSize: 1 << 20, maxFiles: 1 } });
  await startContainer(rt.ctx, id);
  const w = await waitContainer(rt.ctx, id, { timeoutMs: 20_000 });
  assert.equal(w.exitCode, 3);
  const lines = (await readFile(log, "utf8")).trim().split("\n").map((l) => l.split(" ").slice(1).join(" "));
  assert.deepEqual(lines.sort(), ["stderr F to-err", "stdout F to-out"]);
  await deleteContainer(rt.ctx, id);
});

test("a detached exec with a log: output in the log, exit in the exec's own directory", { skip }, async () => {
  const { readFile } = await import("node:fs/promises");
  const { waitForExit } = await import("../../src/runtime/waitExit.js");
  const c = await rt.start(await rt.bundle({ args: ["sleep", "1000"] }));
  const log = join(rt.base, `${c.id}.exec.log`);
  const r = await execInContainer(rt.ctx, c.id, { args: ["sh", "-c", "echo from-exec; exit 6"], detach: true, log: { path: log, maxSize: 1 << 20, maxFiles: 1 } });
  assert.ok(r.shimPid && r.shimStartTime);
  const exit = await waitForExit(rt.ctx.sys, { dir: r.stateDir, shimPid: r.shimPid!, shimStartTime: r.shimStartTime! }, { timeoutMs: 20_000 });
  assert.deepEqual(exit && exit.kind === "exited" ? exit.code : exit, 6);
  assert.match(await readFile(log, "utf8"), /^\S+ stdout F from-exec\n$/);
  await deleteContainer(rt.ctx, c.id, { force: true });
});
