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
