// docker exec through the ExecManager: exit codes, env/user/workdir, stdin, TTY, stderr,
// detached execs, Docker's errors, and no exec state left behind.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { readdirSync, existsSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExecManager } from "../../src/engine/io/exec/ExecManager.js";
import { ExitMonitor } from "../../src/engine/containers/ExitMonitor.js";
import type { ExecConfig } from "../../src/api/types/exec.js";
import { fakeClient, makeIoEnv, skip, type IoEnv } from "./io-harness.js";

let env: IoEnv;
let execs: ExecManager;
let target = "";
const events: string[] = [];
before(async () => {
  if (skip) return;
  env = await makeIoEnv();
  execs = new ExecManager({ lookup: env.lookup, runtime: env.rt.ctx, emit: (c, action, attrs) => events.push(`${action}|${attrs.exitCode ?? ""}`) });
  target = (await env.run(["sleep", "300"])).id;
});
after(async () => { if (env) await env.cleanup(); });

async function execRun(config: Partial<ExecConfig> & { Cmd: string[] }, input?: string) {
  const { Id } = await execs.create(target, { AttachStdout: true, AttachStderr: true, ...config });
  const client = fakeClient();
  const started = execs.start(Id, undefined, (tty) => client.open(tty), new AbortController().signal);
  if (input !== undefined) client.stdin.end(input);
  await started;
  return { id: Id, inspect: execs.inspect(Id), stdout: client.stdout(), stderr: client.stderr(), tty: client.tty };
}

test("exec: the process's exit code is recorded before the attached start returns", { skip }, async () => {
  const r = await execRun({ Cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"] });
  assert.equal(r.inspect.ExitCode, 3);
  assert.equal(r.inspect.Running, false);
  assert.ok(r.inspect.Pid > 0);
  assert.equal(r.stdout, "out\n");
  assert.equal(r.stderr, "err\n");
  assert.equal(r.tty, false);
  assert.deepEqual(r.inspect.ProcessConfig, { arguments: ["-c", "echo out; echo err >&2; exit 3"], entrypoint: "sh", privileged: false, tty: false, user: "" });
  assert.deepEqual(events.slice(-3), ["exec_create: sh -c echo out; echo err >&2; exit 3|", "exec_start: sh -c echo out; echo err >&2; exit 3|", "exec_die|3"]);
});

test("exec: env (replacing the container's), user, working directory", { skip }, async () => {
  const r = await execRun({ Cmd: ["sh", "-c", "echo $FOO $(id -u):$(id -g) $(pwd) $PATH"], Env: ["FOO=bar", "PATH=/bin"], User: "nobody", WorkingDir: "/tmp" });
  assert.equal(r.stdout, "bar 65534:65534 /tmp /bin\n");
  const num = await execRun({ Cmd: ["sh", "-c", "id -u; id -g"], User: "1234:55" });
  assert.equal(num.stdout, "1234\n55\n");
});

test("exec: stdin through the connection, EOF on the client's half-close", { skip }, async () => {
  const r = await execRun({ Cmd: ["sh", "-c", "cat; echo end"], AttachStdin: true }, "piped data\n");
  assert.equal(r.stdout, "piped data\nend\n");
  assert.equal(r.inspect.ExitCode, 0);
});

test("exec: the process's stdio are pipes, so /dev/stdout and /dev/stderr open", { skip }, async () => {
  const r = await execRun({ Cmd: ["sh", "-c", "echo to-out > /dev/stdout; echo to-err > /dev/stderr; cat"], AttachStdin: true }, "from-in\n");
  assert.equal(r.stdout, "to-out\nfrom-in\n");
  assert.equal(r.stderr, "to-err\n");
  assert.equal(r.inspect.ExitCode, 0);
});

test("exec: with a TTY the output is the terminal's (one raw stream, TERM set)", { skip }, async () => {
  const r = await execRun({ Cmd: ["sh", "-c", "tty; echo $TERM; echo to-stderr >&2; exit 5"], Tty: true, ConsoleSize: [30, 100] });
  assert.equal(r.tty, true);
  assert.match(r.stdout, /^\/dev\/pts\/\d+\r\nxterm\r\nto-stderr\r\n$/);
  assert.equal(r.inspect.ExitCode, 5);
  const size = await execRun({ Cmd: ["stty", "size"], Tty: true, ConsoleSize: [30, 100] });
  assert.equal(size.stdout, "30 100\r\n");
});

test("exec: privileged gets every capability; the default does not", { skip }, async () => {
  const plain = await execRun({ Cmd: ["sh", "-c", "grep CapEff /proc/self/status"] });
  const priv = await execRun({ Cmd: ["sh", "-c", "grep CapEff /proc/self/status"], Privileged: true });
  assert.notEqual(plain.stdout, priv.stdout);
  // Every capability the daemon itself can hold (here root lacks CAP_SYS_RESOURCE).
  const own = /^CapBnd:\s+([0-9a-f]+)/m.exec(readFileSync("/proc/self/status", "utf8"))![1];
  assert.equal(priv.stdout.trim().split(/\s+/)[1], own);
});

test("exec: a missing program is exit 127 with the runtime's message", { skip }, async () => {
  const { Id } = await execs.create(target, { Cmd: ["no-such-program"], AttachStdout: true });
  const client = fakeClient();
  await execs.start(Id, undefined, (tty) => client.open(tty), new AbortController().signal);
  assert.match(client.stdout(), /^OCI runtime exec failed: .*executable file not found in \$PATH\r\n$/);
  assert.equal(execs.inspect(Id).ExitCode, 127);
  assert.equal(execs.inspect(Id).Running, false);
});

test("exec: detached start returns while it runs; the exit is recorded in the background", { skip }, async () => {
  const { Id } = await execs.create(target, { Cmd: ["sh", "-c", "read x < /dev/null; sleep 1; exit 4"] });
  await execs.startDetached(Id);
  assert.equal(execs.inspect(Id).Running, true);
  assert.ok(execs.inspect(Id).Pid > 0);
  const deadline = Date.now() + 20_000;
  while (execs.inspect(Id).Running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(execs.inspect(Id).ExitCode, 4);
  await assert.rejects(execs.startDetached(Id), /has already run/);
});

test("exec: a detached exec's exit is noticed when its shim closes the monitor's connection (no polling)", { skip }, async () => {
  // A sweep every hour: only the connection's close can report the exit within the test.
  const monitor = new ExitMonitor(env.rt.ctx.sys, () => {}, 3_600_000);
  let died!: (code: string) => void;
  const dieEvent = new Promise<string>((r) => { died = r; });
  const own = new ExecManager({ lookup: env.lookup, runtime: env.rt.ctx, exits: monitor, emit: (_c, action, attrs) => { if (action === "exec_die") died(attrs.exitCode!); } });
  try {
    const { Id } = await own.create(target, { Cmd: ["sh", "-c", "sleep 0.3; exit 5"] });
    await own.startDetached(Id);
    assert.equal(own.inspect(Id).Running, true);
    assert.equal(monitor.size(), 1, "the detached exec is watched");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([dieEvent, new Promise<string>((_r, reject) => { timer = setTimeout(() => reject(new Error("exec_die not seen within 15 s")), 15_000); })]);
    clearTimeout(timer);
    assert.equal(code, "5");
    assert.deepEqual([own.inspect(Id).Running, own.inspect(Id).ExitCode], [false, 5]);
    assert.equal(monitor.size(), 0, "nothing is watched after the exit");
    // An exec that ends before the watch connects is still seen (connect fails, `exit` is read).
    const quick = await own.create(target, { Cmd: ["true"] });
    const quickDie = new Promise<string>((r) => { died = r; });
    await own.startDetached(quick.Id);
    assert.equal(await quickDie, "0");
    assert.equal(own.inspect(quick.Id).ExitCode, 0);
  } finally {
    own.close();
    monitor.close();
  }
});

test("exec: Docker's errors for unknown execs and stopped containers", { skip }, async () => {
  await assert.rejects(Promise.resolve().then(() => execs.inspect("nope")), (e: Error & { kind?: string }) => e.kind === "NotFound" && e.message === "No such exec instance: nope");
  const stopped = await env.run(["true"]);
  await stopped.waitExit();
  await assert.rejects(execs.create(stopped.id, { Cmd: ["true"] }), (e: Error & { kind?: string }) => e.kind === "Conflict" && e.message === `container ${stopped.id} is not running`);
});

test("exec: no exec state directory or descriptor is left behind", { skip }, async () => {
  await execRun({ Cmd: ["true"] });
  const fds = readdirSync("/proc/self/fd").length;
  // stdin attached but never closed by the client: the process ends on its own.
  const { Id } = await execs.create(target, { Cmd: ["sh", "-c", "exit 0"], AttachStdin: true, AttachStdout: true });
  const client = fakeClient();
  await execs.start(Id, undefined, (tty) => client.open(tty), new AbortController().signal);
  await execRun({ Cmd: ["sh", "-c", "echo x"] });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(readdirSync("/proc/self/fd").length, fds, "descriptors leaked");
  const root = join(env.rt.ctx.root, ".exec");
  const left = existsSync(root) ? readdirSync(root) : [];
  assert.deepEqual(left, []);
});

test("exec: resize of a running terminal exec; a size asked before start is applied at start", { skip }, async () => {
  const { Id } = await execs.create(target, { Cmd: ["sh", "-c", "stty size; read x; stty size"], Tty: true, AttachStdin: true, AttachStdout: true });
  await execs.resize(Id, 20, 70);
  const client = fakeClient();
  const started = execs.start(Id, undefined, (tty) => client.open(tty), new AbortController().signal);
  await client.waitFor("20 70\r\n");
  await execs.resize(Id, 33, 99);
  client.stdin.write("next\r");
  await started;
  assert.match(client.stdout(), /20 70\r\n[\s\S]*33 99\r\n/);
});

test("exec: stale state of an earlier daemon is swept", { skip }, async () => {
  const stale = join(env.rt.ctx.root, ".exec", "0123456789abcdef");
  mkdirSync(stale, { recursive: true });
  writeFileSync(join(stale, "shim.pid"), "999999999\n");
  const fresh = new ExecManager({ lookup: env.lookup, runtime: env.rt.ctx });
  await fresh.create(target, { Cmd: ["true"] });
  assert.ok(!existsSync(stale));
});
