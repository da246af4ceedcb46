import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join, resolve, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { runtimeSkipReason, uniqueId, leftovers } from "../helpers/runtime.js";
import { makeBusyboxBundle } from "../helpers/bundle.js";

const skip = runtimeSkipReason();
const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/bin/berth-runtime.js");
let base: string;
let root: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), "berth-test-cli-"));
  root = join(base, "state");
});
after(async () => {
  if (!skip) for (const id of cli(["list", "-q"]).stdout.split("\n").filter(Boolean)) cli(["delete", "--force", id]);
  await rm(base, { recursive: true, force: true });
});

let n = 0;
/** Like cli() but with stdin an open pipe that stays silent (what a terminal user's stdin looks like to the pty copy). */
async function cliQuietStdin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const o = join(base, `out${n}`);
  const e = join(base, `err${n++}`);
  const fo = openSync(o, "w");
  const fe = openSync(e, "w");
  try {
    const child = spawn(process.execPath, [BIN, "--root", root, ...args], { stdio: ["pipe", fo, fe] });
    const code = await new Promise<number | null>((res) => child.once("exit", (c) => res(c)));
    child.stdin!.destroy();
    return { code, stdout: readFileSync(o, "utf8"), stderr: readFileSync(e, "utf8") };
  } finally {
    closeSync(fo);
    closeSync(fe);
  }
}

/** Runs berth-runtime with stdout/stderr in files (a container inherits them: pipes would keep spawnSync waiting). */
function cli(args: string[], opts: { noRoot?: boolean; cwd?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const o = join(base, `out${n}`);
  const e = join(base, `err${n++}`);
  const fo = openSync(o, "w");
  const fe = openSync(e, "w");
  try {
    const r = spawnSync(process.execPath, [BIN, ...(opts.noRoot ? [] : ["--root", root]), ...args], { stdio: ["ignore", fo, fe], cwd: opts.cwd, timeout: 60_000 });
    return { code: r.status, stdout: readFileSync(o, "utf8"), stderr: readFileSync(e, "utf8") };
  } finally {
    closeSync(fo);
    closeSync(fe);
  }
}

test("spec writes a default config.json once", async () => {
  const dir = await mkdtemp(join(base, "spec-"));
  const r = cli(["spec"], { cwd: dir, noRoot: true });
  assert.equal(r.code, 0, r.stderr);
  const spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  assert.equal(spec.ociVersion, "1.0.2");
  assert.deepEqual(spec.process.args, ["sh"]);
  const again = cli(["spec"], { cwd: dir, noRoot: true });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^berth-runtime: spec: .*config\.json already exists/);
  assert.equal(again.stderr.trim().split("\n").length, 1);
});

test("create, state, start, list, ps, pause, resume, kill, delete", { skip }, async () => {
  const b = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["sleep", "1000"] });
  const id = uniqueId();
  const pidFile = join(base, `${id}.pid`);
  let r = cli(["create", "--bundle", b.bundle, "--pid-file", pidFile, id]);
  assert.equal(r.code, 0, r.stderr);
  const pid = Number(readFileSync(pidFile, "utf8"));
  let st = JSON.parse(cli(["state", id]).stdout);
  assert.equal(st.status, "created");
  assert.equal(st.pid, pid);
  assert.equal(st.bundle, b.bundle);
  assert.equal(cli(["start", id]).code, 0);
  assert.equal(JSON.parse(cli(["state", id]).stdout).status, "running");
  assert.ok(cli(["list", "-q"]).stdout.split("\n").includes(id));
  const listed = JSON.parse(cli(["list", "--format", "json"]).stdout).find((c: { id: string }) => c.id === id);
  assert.equal(listed.status, "running");
  assert.match(cli(["list"]).stdout, new RegExp(`^${id}\\s+${pid}\\s+running\\s`, "m"));
  assert.deepEqual(JSON.parse(cli(["ps", "--format", "json", id]).stdout), [pid]);
  assert.match(cli(["ps", id]).stdout, new RegExp(`^${pid}\\tsleep 1000$`, "m"));
  assert.equal(cli(["pause", id]).code, 0);
  assert.equal(JSON.parse(cli(["state", id]).stdout).status, "paused");
  assert.equal(cli(["resume", id]).code, 0);
  r = cli(["delete", id]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot delete a container that is running/);
  assert.equal(cli(["kill", id, "KILL"]).code, 0);
  for (let i = 0; i < 100 && JSON.parse(cli(["state", id]).stdout).status !== "stopped"; i++) await new Promise((res) => setTimeout(res, 50));
  st = JSON.parse(cli(["state", id]).stdout);
  assert.equal(st.status, "stopped");
  assert.equal(cli(["delete", id]).code, 0);
  r = cli(["state", id]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `berth-runtime: container ${id}: does not exist\n`);
  assert.deepEqual(leftovers(id, { stateDir: join(root, id), rootfs: b.rootfs }), []);
});

test("run in the foreground passes stdio through and exits with the container's code; nothing is left", { skip }, async () => {
  const b = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["sh", "-c", "echo out; echo err >&2; exit 3"] });
  const id = uniqueId();
  const r = cli(["run", "--bundle", b.bundle, id]);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, "out\n");
  assert.equal(r.stderr, "err\n");
  assert.equal(existsSync(join(root, id)), false);
  assert.deepEqual(leftovers(id, { rootfs: b.rootfs }), []);
});

test("run -d, then exec in the foreground (code and output) and detached (pid file)", { skip }, async () => {
  const b = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["sleep", "1000"], spec: (s) => (s.hostname = "cli-box") });
  const id = uniqueId();
  assert.equal(cli(["run", "-d", "--bundle", b.bundle, id]).code, 0);
  let r = cli(["exec", "--env", "A=1", "--cwd", "/tmp", id, "sh", "-c", "echo $A $(pwd) $(hostname); exit 5"]);
  assert.equal(r.code, 5, r.stderr);
  assert.equal(r.stdout, "1 /tmp cli-box\n");
  await writeFile(join(base, "proc.json"), JSON.stringify({ user: { uid: 0, gid: 0 }, args: ["sh", "-c", "exit 4"], cwd: "/", env: ["PATH=/bin"] }));
  assert.equal(cli(["exec", "--process", join(base, "proc.json"), id]).code, 4);
  const pidFile = join(base, "exec.pid");
  r = cli(["exec", "-d", "--pid-file", pidFile, id, "sleep", "1000"]);
  assert.equal(r.code, 0, r.stderr);
  const execPid = Number(readFileSync(pidFile, "utf8"));
  assert.ok(JSON.parse(cli(["ps", "--format", "json", id]).stdout).includes(execPid));
  assert.equal(cli(["delete", "--force", id]).code, 0);
  assert.deepEqual(leftovers(id, { stateDir: join(root, id), rootfs: b.rootfs }), []);
});

test("errors are one line on stderr with exit code 1", { skip }, async () => {
  const r = cli(["create", "--bundle", join(base, "nope"), uniqueId()]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^berth-runtime: read bundle: .*nope\/config\.json does not exist\n$/);
  const u = cli(["kill", "--bogus", "x"]);
  assert.equal(u.code, 1);
  assert.equal(u.stderr, "berth-runtime: kill: unknown flag --bogus\n");
  const log = join(base, "runtime.log");
  const j = cli(["--log", log, "--log-format", "json", "start", "no-such-ctr"]);
  assert.equal(j.code, 1);
  assert.equal(JSON.parse(readFileSync(log, "utf8").trim()).msg, "container no-such-ctr: does not exist");
});

test("run and exec with a terminal and no console socket: the pty is copied to the caller's stdio", { skip }, async () => {
  const b = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["sh", "-c", "tty; test -t 0 && echo stdin-is-a-tty"], spec: (s) => (s.process!.terminal = true) });
  const r = await cliQuietStdin(["run", "--bundle", b.bundle, uniqueId()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\/dev\/(console|pts\/\d+)\r?\nstdin-is-a-tty\r?\n$/);
  const c = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["sleep", "1000"] });
  const id = uniqueId();
  assert.equal(cli(["run", "-d", "--bundle", c.bundle, id]).code, 0);
  const e = await cliQuietStdin(["exec", "-t", id, "sh", "-c", "test -t 1 && echo tty-out"]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /^tty-out\r?\n$/);
  assert.equal(cli(["delete", "-f", id]).code, 0);
});

// Receiving a pty master over SCM_RIGHTS needs recvmsg, which Node lacks: python3 plays the
// console-socket listener (as containerd's shim would).
const PY_RECV = `
import socket, os, sys, array
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2][:4])[0]
out = b""
while b"done" not in out:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d: break
    out += d
sys.stdout.write(msg.decode() + " " + out.decode().replace("\\r", "").replace("\\n", " "))
`;
const noPython = existsSync("/usr/bin/python3") ? undefined : "needs python3 to receive the pty master (SCM_RIGHTS)";

test("create --console-socket sends the pty master (runc protocol)", { skip: skip ?? noPython }, async () => {
  const b = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["sh", "-c", "tty; echo done"], spec: (s) => (s.process!.terminal = true) });
  const sock = join(base, `console-${n}.sock`);
  const py = spawn("/usr/bin/python3", ["-c", PY_RECV, sock], { stdio: ["ignore", "pipe", "inherit"] });
  let pyOut = "";
  py.stdout!.setEncoding("utf8").on("data", (d: string) => (pyOut += d));
  const pyDone = new Promise((res) => py.once("exit", res));
  try {
    while (!pyOut.includes("listening")) await new Promise((res) => setTimeout(res, 20));
    const id = uniqueId();
    const r = cli(["create", "--bundle", b.bundle, "--console-socket", sock, id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(cli(["start", id]).code, 0);
    await pyDone;
    assert.match(pyOut, /^listening\n\/dev\/ptmx \/dev\/(console|pts\/\d+) done $/);
    assert.equal(cli(["delete", "--force", id]).code, 0);
  } finally {
    py.kill();
  }
});

test("create refuses a console socket without a terminal, and a terminal without one", { skip }, async () => {
  const b = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["true"] });
  const r = cli(["create", "--bundle", b.bundle, "--console-socket", join(base, "x.sock"), uniqueId()]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--console-socket given but process\.terminal is false/);
  await b.writeSpec((s) => (s.process!.terminal = true));
  const t = cli(["create", "--bundle", b.bundle, uniqueId()]);
  assert.equal(t.code, 1);
  assert.match(t.stderr, /process\.terminal is true: a --console-socket is needed/);
});

test("delete --force of a container that does not exist succeeds (runc); without --force it is an error", { skip }, () => {
  const id = uniqueId();
  assert.equal(cli(["delete", "--force", id]).code, 0);
  const r = cli(["delete", id]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /does not exist/);
});

test("run in the foreground forwards SIGTERM to the container", { skip }, async () => {
  const b = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while true; do sleep 0.05; done"] });
  const o = join(base, `out${n++}`);
  const fo = openSync(o, "w");
  try {
    const child = spawn(process.execPath, [BIN, "--root", root, "run", "--bundle", b.bundle, uniqueId()], { stdio: ["ignore", fo, "inherit"] });
    const exited = new Promise<number | null>((res) => child.once("exit", (c) => res(c)));
    while (!readFileSync(o, "utf8").includes("ready")) await new Promise((res) => setTimeout(res, 20));
    child.kill("SIGTERM");
    assert.equal(await exited, 7);
    assert.equal(readFileSync(o, "utf8"), "ready\ngot-term\n");
  } finally {
    closeSync(fo);
  }
});

test("exec in the foreground forwards SIGTERM to the process", { skip }, async () => {
  const b = await makeBusyboxBundle(await mkdtemp(join(base, "b-")), { args: ["sleep", "1000"] });
  const id = uniqueId();
  assert.equal(cli(["run", "-d", "--bundle", b.bundle, id]).code, 0);
  const o = join(base, `out${n++}`);
  const fo = openSync(o, "w");
  try {
    const child = spawn(process.execPath, [BIN, "--root", root, "exec", id, "sh", "-c", "trap 'echo got-term; exit 9' TERM; echo ready; while true; do sleep 0.05; done"], { stdio: ["ignore", fo, "inherit"] });
    const exited = new Promise<number | null>((res) => child.once("exit", (c) => res(c)));
    while (!readFileSync(o, "utf8").includes("ready")) await new Promise((res) => setTimeout(res, 20));
    child.kill("SIGTERM");
    assert.equal(await exited, 9);
    assert.equal(readFileSync(o, "utf8"), "ready\ngot-term\n");
  } finally {
    closeSync(fo);
    cli(["delete", "--force", id]);
  }
});
