/**
 * More real-docker-CLI checks of wire formats: pull progress and mid-stream errors, login,
 * volumes, images, stats, and the texts of errors the daemon cannot serve.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startHarness, type Harness } from "./api-harness.js";

const DOCKER = process.env.BERTH_TEST_DOCKER_CLI ?? "/usr/local/bin/docker";
const skip = existsSync(DOCKER) ? false : `docker CLI not found at ${DOCKER}`;

function docker(h: Harness, args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // HOME and DOCKER_CONFIG inside the test dir: `docker login` must not touch the real config.
    const p = spawn(DOCKER, args, { env: { PATH: process.env.PATH, HOME: h.dir, DOCKER_HOST: `unix://${h.socketPath}`, DOCKER_CONFIG: `${h.dir}/docker-config` } });
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

test("docker pull reads progress; a mid-stream error fails the pull with the daemon's message", { skip }, async () => {
  const h = await startHarness();
  try {
    const ok = await docker(h, ["pull", "alpine:3"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Status: Downloaded newer image for alpine:3/);
    const broken = await docker(h, ["pull", "breaks"]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /pull: registry went away/);
    const missing = await docker(h, ["pull", "missing"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error response from daemon: pull access denied for missing/);
  } finally {
    await h.cleanup();
  }
});

test("docker login, volumes, images, and unsupported routes", { skip }, async () => {
  const h = await startHarness();
  try {
    const login = await docker(h, ["login", "-u", "me", "--password-stdin", "localhost:5000"], "secret\n");
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Login Succeeded/);
    const bad = await docker(h, ["login", "-u", "me", "--password-stdin", "localhost:5000"], "wrong\n");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /login: wrong password/);

    assert.equal((await docker(h, ["volume", "create", "berth-test-vol"])).stdout.trim(), "berth-test-vol");
    const ls = await docker(h, ["volume", "ls", "--format", "{{.Driver}} {{.Name}}"]);
    assert.equal(ls.stdout.trim(), "local berth-test-vol");
    const rm = await docker(h, ["volume", "rm", "berth-test-vol", "nosuch"]);
    assert.equal(rm.code, 1);
    assert.equal(rm.stdout.trim(), "berth-test-vol");
    assert.match(rm.stderr, /no such volume/);

    const images = await docker(h, ["image", "ls", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"]);
    assert.equal(images.stdout.trim(), "busybox:latest 1.23MB");
    const rmi = await docker(h, ["rmi", "localhost:5000/team/app:1"]);
    assert.equal(rmi.stdout.trim(), "Untagged: localhost:5000/team/app:1", "image names with registry port and slashes reach the route intact");
    const tag = await docker(h, ["tag", "busybox", "localhost:5000/x/y:z"]);
    assert.equal(tag.code, 0, tag.stderr);

    const net = await docker(h, ["network", "ls"]);
    assert.equal(net.code, 1);
    assert.match(net.stderr, /Error response from daemon: networks are not supported by this daemon/);
    const search = await docker(h, ["search", "x"]);
    assert.equal(search.code, 1);
    assert.match(search.stderr, /registry search is not supported/);
  } finally {
    await h.cleanup();
  }
});

test("docker stats --no-stream reads one stats object", { skip }, async () => {
  const h = await startHarness();
  try {
    h.engine.add({ name: "berth-test-stats" });
    const r = await docker(h, ["stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.NetIO}} {{.PIDs}}", "berth-test-stats"]);
    assert.equal(r.code, 0, r.stderr);
    // CPU: (2e9 delta / 8e9 system delta) * 2 CPUs = 50%.
    assert.equal(r.stdout.trim(), "berth-test-stats 50.00% 64MiB / 256MiB 1kB / 2kB 3");
  } finally {
    await h.cleanup();
  }
});

test("docker cp both ways through the archive routes (stat header, tar streams)", { skip }, async () => {
  const h = await startHarness();
  try {
    const c = h.engine.add({ name: "berth-test-cp" });
    const root = await h.engine.rootfs(c);
    await mkdir(join(root, "data"));
    await writeFile(join(root, "data", "hello.txt"), "hello from the container\n");
    const out = join(h.dir, "out");
    await mkdir(out);
    const from = await docker(h, ["cp", "berth-test-cp:/data/hello.txt", out + "/"]);
    assert.equal(from.code, 0, from.stderr);
    assert.equal(await readFile(join(out, "hello.txt"), "utf8"), "hello from the container\n");

    await writeFile(join(out, "upload.txt"), "uploaded\n");
    const to = await docker(h, ["cp", join(out, "upload.txt"), "berth-test-cp:/data/"]);
    assert.equal(to.code, 0, to.stderr);
    assert.equal(await readFile(join(root, "data", "upload.txt"), "utf8"), "uploaded\n");

    const dir = await docker(h, ["cp", "berth-test-cp:/data", join(out, "copy")]);
    assert.equal(dir.code, 0, dir.stderr);
    assert.deepEqual((await readdir(join(out, "copy"))).sort(), ["hello.txt", "upload.txt"], "a directory stat (Go dir bit) is understood");

    const missing = await docker(h, ["cp", "berth-test-cp:/nope", out]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not find the file \/nope in container berth-test-cp/);
  } finally {
    await h.cleanup();
  }
});

test("docker events with --since/--until prints the engine's events and ends", { skip }, async () => {
  const h = await startHarness();
  try {
    const r = await docker(h, ["events", "--since", "0", "--until", "2", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "container start x");
    const bad = await docker(h, ["events", "--filter", "colour=red", "--until", "2"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid filter 'colour'/);
  } finally {
    await h.cleanup();
  }
});
