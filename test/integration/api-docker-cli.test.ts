/**
 * The real docker CLI (the oracle for wire formats) against berth's API server with the
 * in-memory test engine: version, info, ps, inspect errors, logs demux, attach and exec stdin
 * round-trips over hijacked connections, wait.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { startHarness, type Harness } from "./api-harness.js";

const DOCKER = process.env.BERTH_TEST_DOCKER_CLI ?? "/usr/local/bin/docker";
const skip = existsSync(DOCKER) ? false : `docker CLI not found at ${DOCKER}`;

interface Run { code: number | null; stdout: string; stderr: string }

function docker(h: Harness, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(DOCKER, args, {
      env: { PATH: process.env.PATH, HOME: h.dir, DOCKER_HOST: `unix://${h.socketPath}`, DOCKER_CONFIG: `${h.dir}/docker-config` },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
    p.on("error", reject);
    p.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    p.stdin.end(stdin);
  });
}

test("docker version and docker info print client and server sections", { skip }, async () => {
  const h = await startHarness();
  try {
    const v = await docker(h, ["version"]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^Client:/m);
    assert.match(v.stdout, /^Server: Berth 0\.1\.0-test$/m);
    assert.match(v.stdout, /API version:\s+1\.47 \(minimum version 1\.24\)/);
    assert.match(v.stdout, /API version:\s+1\.47 \(downgraded from/, "the CLI negotiated down to our version");
    const f = await docker(h, ["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}"]);
    assert.equal(f.stdout.trim(), "0.1.0-test 1.47");

    h.engine.add({ name: "one" });
    const info = await docker(h, ["info"]);
    assert.equal(info.code, 0, info.stderr);
    assert.equal(info.stderr, "");
    assert.match(info.stdout, /Containers: 1\n\s+Running: 1/);
    assert.match(info.stdout, /Storage Driver: overlayfs/);
    assert.match(info.stdout, /Cgroup Version: 1/);
    assert.match(info.stdout, /Live Restore Enabled: true/);
    assert.match(info.stdout, /Server Version: 0\.1\.0-test/);
  } finally {
    await h.cleanup();
  }
});

test("docker ps lists what the backend returns; inspect and rm of missing objects fail with Docker's text", { skip }, async () => {
  const h = await startHarness();
  try {
    const a = h.engine.add({ name: "berth-test-web", cmd: ["nginx", "-g", "daemon off;"] });
    h.engine.add({ name: "berth-test-done", status: "exited", exitCode: 3 });
    const ps = await docker(h, ["ps", "--no-trunc", "--format", "{{.ID}}|{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}|{{.Ports}}"]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.equal(ps.stdout.trim(), `${a.id}|berth-test-web|busybox:latest|"nginx -g daemon off;"|Up 1 minute|80/tcp`);
    const psa = await docker(h, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert.deepEqual(psa.stdout.trim().split("\n").sort(), ["berth-test-done Exited (3) 1 minute ago", "berth-test-web Up 1 minute"]);
    const filtered = await docker(h, ["ps", "-a", "-q", "--filter", "name=done"]);
    assert.equal(filtered.stdout.trim().length, 12);

    const inspect = await docker(h, ["inspect", "nosuch"]);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /^Error: No such object: nosuch$/m);
    const ci = await docker(h, ["container", "inspect", "--format", "{{.State.Status}} {{.Config.Tty}}", "berth-test-web"]);
    assert.equal(ci.stdout.trim(), "running false");
    const rm = await docker(h, ["rm", "nosuch"]);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /Error response from daemon: No such container: nosuch/);
    const busy = await docker(h, ["rm", "berth-test-web"]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /container is running/);
  } finally {
    await h.cleanup();
  }
});

test("docker logs demultiplexes stdout and stderr", { skip }, async () => {
  const h = await startHarness();
  try {
    h.engine.add({ name: "berth-test-logs", logs: [
      { stream: "stdout", data: Buffer.from("to stdout 1\n") }, { stream: "stderr", data: Buffer.from("to stderr\n") },
      { stream: "stdout", data: Buffer.from("to stdout 2\n") },
    ] });
    const r = await docker(h, ["logs", "berth-test-logs"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "to stdout 1\nto stdout 2\n");
    assert.equal(r.stderr, "to stderr\n");
    const missing = await docker(h, ["logs", "nosuch"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such container: nosuch/);
  } finally {
    await h.cleanup();
  }
});

test("docker attach and docker exec -i round-trip stdin through hijacked connections", { skip }, async () => {
  const h = await startHarness();
  try {
    const c = h.engine.add({ name: "berth-test-attach" });
    const payload = "line one\nline two\n" + "x".repeat(100_000) + "\n";
    const at = await docker(h, ["attach", "berth-test-attach"], payload);
    assert.equal(at.code, 0, at.stderr);
    assert.equal(at.stdout, payload);
    assert.equal(c.status, "exited", "stdin EOF reached the process through the half-close");

    h.engine.add({ name: "berth-test-exec" });
    const ex = await docker(h, ["exec", "-i", "berth-test-exec", "cat", "5"], "exec input\n");
    assert.equal(ex.code, 5, "the exec's exit code becomes the CLI's");
    assert.equal(ex.stdout, "exec input\n");
    assert.equal(ex.stderr, "exec cat 5 done\n");
    const ok = await docker(h, ["exec", "-i", "berth-test-exec", "cat", "0"], "");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(h.engine.openSessions, 0);
  } finally {
    await h.cleanup();
  }
});

test("docker wait prints the exit code; docker kill and start go through", { skip }, async () => {
  const h = await startHarness();
  try {
    h.engine.add({ name: "berth-test-wait" });
    const waiting = docker(h, ["wait", "berth-test-wait"]);
    // The kill goes out only after the wait is registered: poll via the engine's waiters.
    const c = h.engine.find("berth-test-wait");
    while (c.waiters.length === 0) await new Promise((r) => setTimeout(r, 10));
    const kill = await docker(h, ["kill", "berth-test-wait"]);
    assert.equal(kill.code, 0, kill.stderr);
    const w = await waiting;
    assert.equal(w.code, 0, w.stderr);
    assert.equal(w.stdout.trim(), "137");
    const again = await docker(h, ["wait", "berth-test-wait"]);
    assert.equal(again.stdout.trim(), "137", "waiting on a stopped container answers at once");
    const start = await docker(h, ["start", "berth-test-wait"]);
    assert.equal(start.code, 0, start.stderr);
    assert.equal(c.status, "running");
  } finally {
    await h.cleanup();
  }
});

test("docker run: attach before start, wait registered before start, exit code propagated", { skip }, async () => {
  const h = await startHarness();
  try {
    const run = await docker(h, ["run", "-i", "--name", "berth-test-run", "busybox", "cat", "7"], "through run\n");
    assert.equal(run.code, 7, run.stderr);
    assert.equal(run.stdout, "through run\n");
    assert.equal(h.engine.find("berth-test-run").status, "exited");

    const quick = await docker(h, ["run", "--rm", "busybox", "cat", "4"]);
    assert.equal(quick.code, 4, quick.stderr);
    assert.throws(() => h.engine.find("busybox"), /No such container/);

    const detached = await docker(h, ["run", "-d", "-i", "--name", "berth-test-bg", "busybox", "cat"]);
    assert.equal(detached.code, 0, detached.stderr);
    assert.equal(detached.stdout.trim(), h.engine.find("berth-test-bg").id);
    const dup = await docker(h, ["create", "--name", "berth-test-bg", "busybox"]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /Conflict\. The container name "\/berth-test-bg" is already in use/);
    assert.equal(h.engine.openSessions, 0);
    assert.equal(await h.server.connectionCount(), 0, "no connection outlives its session");
    const bg = h.engine.find("berth-test-bg");
    while (bg.waiters.length > 0) await new Promise((r) => setTimeout(r, 10)); // the CLI's abandoned wait is released
  } finally {
    await h.cleanup();
  }
});
