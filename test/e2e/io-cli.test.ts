/**
 * Container I/O through the real docker CLI against berthd: logs (tail, follow ending at exit),
 * attached run, attach, exec (exit codes, stdin, env), stats, top, cp both ways, diff, export.
 */
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { daemonSkipReason, DOCKER_CLI, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;
let d: TestDaemon;
const NET = ["--network", "none"];

before(async () => { if (!skip) d = await startTestDaemon(); });
after(async () => {
  if (!d) return;
  const forced = await d.cleanup();
  assert.deepEqual(forced, [], "berthd left resources behind");
});

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("docker run (attached) prints the output; --rm removes it", { skip }, async () => {
  const r = await d.docker(["run", "--rm", ...NET, "busybox", "echo", "hi"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "hi\n");
  const err = await d.docker(["run", "--rm", ...NET, "busybox", "sh", "-c", "echo out; echo err >&2; exit 6"]);
  assert.equal(err.code, 6);
  assert.equal(err.stdout, "out\n");
  assert.equal(err.stderr, "err\n");
  const piped = await d.docker(["run", "--rm", "-i", ...NET, "busybox", "cat"], { stdin: "through stdin\n" });
  assert.equal(piped.stdout, "through stdin\n", piped.stderr);
});

test("docker logs, --tail, -t, and -f ending when the container exits", { skip }, async () => {
  const id = await d.ok(["run", "-d", ...NET, "busybox", "sh", "-c", "for i in 1 2 3; do echo line$i; done; echo warn >&2"]);
  await d.ok(["wait", id]);
  const all = await d.docker(["logs", id]);
  assert.equal(all.stdout, "line1\nline2\nline3\n");
  assert.equal(all.stderr, "warn\n");
  const tail = await d.docker(["logs", "--tail", "2", id]);
  assert.equal(tail.stdout + tail.stderr, "line3\nwarn\n");
  const ts = await d.docker(["logs", "-t", "--tail", "1", id]);
  assert.match(ts.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z warn\n$/);
  // Following a created container waits for its start, then its exit.
  const later = await d.ok(["create", ...NET, "busybox", "echo", "after start"]);
  const following = d.docker(["logs", "-f", later], { timeoutMs: 20_000 });
  await new Promise((r) => setTimeout(r, 300));
  await d.ok(["start", later]);
  assert.equal((await following).stdout, "after start\n");
  const slow = await d.ok(["run", "-d", ...NET, "busybox", "sh", "-c", "echo a; sleep 1; echo b"]);
  const f = await d.docker(["logs", "-f", slow], { timeoutMs: 20_000 });
  assert.equal(f.code, 0, f.stderr);
  assert.equal(f.stdout, "a\nb\n");
});

test("docker exec: exit code, env, user, stdin", { skip }, async () => {
  const id = await d.ok(["run", "-d", ...NET, "busybox", "sleep", "300"]);
  assert.equal((await d.docker(["exec", id, "sh", "-c", "exit 3"])).code, 3);
  const env = await d.docker(["exec", "-e", "FOO=bar", "-u", "nobody", "-w", "/tmp", id, "sh", "-c", "echo $FOO $(id -u) $(pwd)"]);
  assert.equal(env.stdout, "bar 65534 /tmp\n", env.stderr);
  const cat = await d.docker(["exec", "-i", id, "cat"], { stdin: "piped\n" });
  assert.equal(cat.stdout, "piped\n", cat.stderr);
  const missing = await d.docker(["exec", id, "no-such-program"]);
  assert.equal(missing.code, 127);
  assert.match(missing.stdout + missing.stderr, /executable file not found/);
  const stopped = await d.ok(["run", "-d", ...NET, "busybox", "true"]);
  await d.ok(["wait", stopped]);
  const refused = await d.docker(["exec", stopped, "true"]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /is not running/);
});

test("docker attach sees the running container's output and ends at its exit", { skip }, async () => {
  const id = await d.ok(["run", "-d", ...NET, "busybox", "sh", "-c", "sleep 1; echo attached-output; sleep 1; exit 4"]);
  const r = await d.docker(["attach", "--no-stdin", id], { timeoutMs: 20_000 });
  assert.equal(r.stdout, "attached-output\n", r.stderr);
  assert.equal(r.code, 4);
});

test("docker stats --no-stream and docker top", { skip }, async () => {
  const id = await d.ok(["run", "-d", ...NET, "busybox", "sh", "-c", "sleep 301 & sleep 302 & wait"]);
  const stats = await d.docker(["stats", "--no-stream", "--format", "{{.ID}} {{.MemUsage}} {{.PIDs}}", id], { timeoutMs: 20_000 });
  assert.equal(stats.code, 0, stats.stderr);
  const [short, ...rest] = stats.stdout.trim().split(" ");
  assert.ok(id.startsWith(short!));
  assert.match(rest.join(" "), /^[\d.]+[KMG]?i?B \/ [\d.]+[KMG]i?B \d+$/);
  let top = "";
  await waitUntil("three processes in top", async () => {
    top = await d.ok(["top", id]);
    return top.split("\n").length === 4;
  });
  assert.match(top.split("\n")[0]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
  assert.match(top, /sleep 301/);
  assert.equal(await d.ok(["diff", id]), "", "the runtime's mountpoints (/etc/hosts, ...) are not changes, as Docker's init layer");
  const custom = await d.ok(["top", id, "-o", "pid,comm"]);
  assert.match(custom.split("\n")[0]!, /PID\s+COMMAND/);
});

test("docker cp both ways, docker diff, docker export", { skip }, async () => {
  const local = mkdtempSync("/tmp/berth-test-cp-");
  try {
    const id = await d.ok(["run", "-d", ...NET, "busybox", "sh", "-c", "echo made > /made.txt; rm /etc/group; sleep 300"]);
    await waitUntil("the container's writes", async () => (await d.docker(["exec", id, "cat", "/made.txt"])).stdout === "made\n");
    writeFileSync(join(local, "in.txt"), "copied in\n");
    await d.ok(["cp", join(local, "in.txt"), `${id}:/tmp/in.txt`]);
    assert.equal((await d.docker(["exec", id, "cat", "/tmp/in.txt"])).stdout, "copied in\n");
    await d.ok(["cp", `${id}:/made.txt`, join(local, "out.txt")]);
    assert.equal(readFileSync(join(local, "out.txt"), "utf8"), "made\n");
    await d.ok(["cp", `${id}:/etc`, join(local, "etcdir")]);
    assert.match(readFileSync(join(local, "etcdir/passwd"), "utf8"), /^root:/);
    const diff = (await d.ok(["diff", id])).split("\n");
    assert.ok(diff.includes("A /made.txt"), diff.join("|"));
    assert.ok(diff.includes("D /etc/group"), diff.join("|"));
    assert.ok(diff.includes("A /tmp/in.txt"), diff.join("|"));
    const list = await new Promise<string>((resolve, reject) => {
      const exp = spawn(DOCKER_CLI, ["export", id], { env: { PATH: process.env.PATH, DOCKER_HOST: `unix://${d.sock}`, HOME: join(d.dir, "home") }, stdio: ["ignore", "pipe", "inherit"] });
      const tar = spawn("tar", ["t"], { stdio: ["pipe", "pipe", "inherit"] });
      exp.stdout.pipe(tar.stdin);
      let out = "";
      tar.stdout.on("data", (c) => (out += c));
      tar.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`tar t exited ${code}`))));
    });
    const names = list.split("\n");
    assert.ok(names.includes("made.txt") || names.includes("./made.txt"), "the export has the container's file");
    assert.ok(names.some((n) => /^(\.\/)?bin\/busybox$/.test(n)), "and the image's");
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
});

test("terminals: docker run -t and docker exec -t give the raw terminal stream; logs of a TTY container", { skip }, async () => {
  const run = await d.docker(["run", "-t", ...NET, "--name", "berth-test-tty", "busybox", "sh", "-c", "tty; echo hi"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^\/dev\/pts\/\d+\r\nhi\r\n$/);
  assert.match((await d.docker(["logs", "berth-test-tty"])).stdout, /hi\r\n$/);
  const id = await d.ok(["run", "-d", ...NET, "busybox", "sleep", "300"]);
  const ex = await d.docker(["exec", "-t", id, "sh", "-c", "tty; exit 2"]);
  assert.equal(ex.code, 2);
  assert.match(ex.stdout, /^\/dev\/pts\/\d+\r\n$/);
});

test("docker start -a, docker exec -d, docker logs --since, docker cp from a stopped container", { skip }, async () => {
  const id = await d.ok(["create", ...NET, "busybox", "sh", "-c", "echo started-attached; echo made > /f.txt; exit 5"]);
  const start = await d.docker(["start", "-a", id]);
  assert.equal(start.stdout, "started-attached\n", start.stderr);
  assert.equal(start.code, 5);
  const out = await d.docker(["cp", `${id}:/f.txt`, "-"]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /made\n/, "the tar on stdout holds the file");
  // Into the stopped container (its root is mounted for the copy), then seen by its next run.
  const local = mkdtempSync("/tmp/berth-test-cp-");
  try {
    writeFileSync(join(local, "note"), "left while stopped\n");
    await d.ok(["cp", join(local, "note"), `${id}:/note`]);
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
  const cpIn = await d.ok(["create", ...NET, "busybox", "sleep", "300"]);
  const note = mkdtempSync("/tmp/berth-test-cp-");
  try {
    writeFileSync(join(note, "n"), "in before start\n");
    await d.ok(["cp", join(note, "n"), `${cpIn}:/n`]);
  } finally {
    rmSync(note, { recursive: true, force: true });
  }
  await d.ok(["start", cpIn]);
  assert.equal((await d.docker(["exec", cpIn, "cat", "/n"])).stdout, "in before start\n");
  const since = Math.floor(Date.now() / 1000) + 3600;
  assert.equal((await d.docker(["logs", "--since", String(since), id])).stdout, "");
  assert.equal((await d.docker(["logs", "--since", "2000-01-01T00:00:00Z", id])).stdout, "started-attached\n");
  const runner = await d.ok(["run", "-d", ...NET, "busybox", "sleep", "300"]);
  assert.equal((await d.docker(["exec", "-d", runner, "sh", "-c", "echo bg > /tmp/bg"])).code, 0);
  await waitUntil("the detached exec's write", async () => (await d.docker(["exec", runner, "cat", "/tmp/bg"])).stdout === "bg\n");
});

test("docker cp from and into a stopped container's volumes (read-only ones refused)", { skip }, async () => {
  const vol = `berth-test-cpvol-${Math.random().toString(16).slice(2, 10)}`;
  const id = await d.ok(["run", "-d", ...NET, "-v", `${vol}:/data`, "-v", `${vol}:/ro:ro`, "busybox", "sh", "-c", "echo from-run > /data/f"]);
  const local = mkdtempSync("/tmp/berth-test-cpvol-");
  try {
    assert.equal((await d.ok(["wait", id])), "0");
    const out = await d.docker(["cp", `${id}:/data/f`, "-"]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /from-run\n/, "the file written into the volume is seen in the stopped container");
    writeFileSync(join(local, "note"), "into the volume\n");
    await d.ok(["cp", join(local, "note"), `${id}:/data/note`]);
    const seen = await d.docker(["run", "--rm", ...NET, "-v", `${vol}:/v`, "busybox", "cat", "/v/note"]);
    assert.equal(seen.stdout, "into the volume\n", seen.stderr);
    const ro = await d.docker(["cp", join(local, "note"), `${id}:/ro/`]);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /mounted volume is marked read-only/);
  } finally {
    rmSync(local, { recursive: true, force: true });
    await d.docker(["rm", "-f", id]);
    await d.docker(["volume", "rm", vol]);
  }
});
