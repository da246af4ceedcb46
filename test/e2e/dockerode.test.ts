/**
 * dockerode (the Docker SDK most Node programs use) against a private berthd: ping, version,
 * images, a container's whole life with multiplexed logs, exec with its exit code, volumes and
 * the event stream. What passes here is what Node tooling built on dockerode can rely on.
 */
import { after, before, test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import Docker from "dockerode";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;
let daemon: TestDaemon | undefined;
let docker: Docker;

before(async () => {
  if (skip) return;
  daemon = await startTestDaemon();
  docker = new Docker({ socketPath: daemon.sock });
});

after(async () => {
  if (!daemon) return;
  assert.deepEqual(await daemon.cleanup(), [], `berthd left these behind:\n${daemon.log()}`);
});

const suffix = () => randomBytes(4).toString("hex");

/** Splits a multiplexed stream with dockerode's own demuxer; resolves at its end. */
async function demux(stream: Readable): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d: Buffer) => (stdout += d));
  err.on("data", (d: Buffer) => (stderr += d));
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  return { stdout, stderr };
}

test("dockerode: ping, version, listImages", { skip }, async () => {
  assert.equal(String(await docker.ping()), "OK");
  const v = await docker.version();
  assert.match(v.ApiVersion, /^1\.\d+$/);
  assert.equal(v.Os, "linux");
  const images = await docker.listImages();
  assert.ok(images.some((i) => (i.RepoTags ?? []).some((t) => t.startsWith("busybox:"))), JSON.stringify(images));
});

test("dockerode: createContainer, start, wait, logs (demuxed), inspect, remove", { skip }, async () => {
  const name = `berth-test-dockerode-${suffix()}`;
  const c = await docker.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "echo to-out; echo to-err >&2; exit 7"], name });
  try {
    assert.match(c.id, /^[0-9a-f]{64}$/);
    await c.start();
    assert.deepEqual(await c.wait(), { StatusCode: 7, Error: null });
    const { stdout, stderr } = await demux(await c.logs({ stdout: true, stderr: true, follow: true }));
    assert.equal(stdout, "to-out\n");
    assert.equal(stderr, "to-err\n");
    const info = await c.inspect();
    assert.equal(info.Name, `/${name}`);
    assert.equal(info.State.Status, "exited");
    assert.equal(info.State.ExitCode, 7);
    const listed = await docker.listContainers({ all: true, filters: { name: [name] } });
    assert.deepEqual(listed.map((x) => x.Id), [c.id]);
  } finally {
    await c.remove({ force: true });
  }
  await assert.rejects(docker.getContainer(name).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
});

/** Docker's multiplexed frames (8-byte header: stream, 0, 0, 0, big-endian length) from a Buffer. */
function frames(buf: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    out.push(`${buf[i]}:${buf.subarray(i + 8, i + 8 + len).toString()}`);
    i += 8 + len;
  }
  return out;
}

test("dockerode: logs without follow (a framed Buffer), top, stats, pause/unpause, getArchive, docker.run", { skip }, async () => {
  const c = await docker.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "echo a; echo b >&2; exec sleep 60"], name: `berth-test-dockerode-misc-${suffix()}` });
  try {
    await c.start();
    for (let i = 0; i < 100 && frames(await c.logs({ stdout: true, stderr: true, follow: false })).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(frames(await c.logs({ stdout: true, stderr: true, follow: false })).sort(), ["1:a\n", "2:b\n"]);
    const top = await c.top();
    assert.ok(top.Titles.includes("CMD"));
    assert.ok(top.Processes.some((p) => p.at(-1) === "sleep 60"), JSON.stringify(top));
    const stats = await c.stats({ stream: false });
    assert.equal(stats.pids_stats.current, 1);
    await c.pause();
    assert.equal((await c.inspect()).State.Status, "paused");
    await c.unpause();
    let tarBytes = 0;
    for await (const chunk of await c.getArchive({ path: "/etc/hostname" })) tarBytes += (chunk as Buffer).length;
    assert.ok(tarBytes >= 1024, "a tar stream with one file");
  } finally {
    await c.remove({ force: true });
  }
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => (text += d));
  const [result, ran] = await docker.run("busybox", ["echo", "via-run"], out, { HostConfig: { AutoRemove: false } });
  assert.equal(result.StatusCode, 0);
  assert.equal(text.replace(/\r/g, ""), "via-run\n", "dockerode.run allocates a TTY by default");
  await ran.remove();
});

test("dockerode: exec's output and its exit code from exec.inspect", { skip }, async () => {
  const c = await docker.createContainer({ Image: "busybox", Cmd: ["sleep", "60"], name: `berth-test-dockerode-exec-${suffix()}` });
  try {
    await c.start();
    const exec = await c.exec({ Cmd: ["sh", "-c", "echo hi from exec; echo oops >&2; exit 5"], AttachStdout: true, AttachStderr: true });
    const out = await demux(await exec.start({ hijack: true, stdin: false }));
    assert.deepEqual(out, { stdout: "hi from exec\n", stderr: "oops\n" });
    const info = await exec.inspect();
    assert.equal(info.ExitCode, 5);
    assert.equal(info.Running, false);
    assert.equal(info.ContainerID, c.id);
  } finally {
    await c.remove({ force: true });
  }
});

test("dockerode: volumes — create, list, use, remove", { skip }, async () => {
  const name = `berth-test-dockerode-vol-${suffix()}`;
  const v = await docker.createVolume({ Name: name, Labels: { "berth-test": "dockerode" } });
  try {
    assert.equal(v.name, name);
    const info = await docker.getVolume(name).inspect();
    assert.equal(info.Driver, "local");
    assert.deepEqual(info.Labels, { "berth-test": "dockerode" });
    const list = await docker.listVolumes({ filters: { label: ["berth-test=dockerode"] } });
    assert.deepEqual(list.Volumes.map((x) => x.Name), [name]);
    const c = await docker.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "echo kept > /v/f"], HostConfig: { Binds: [`${name}:/v`] } });
    await c.start();
    assert.equal((await c.wait()).StatusCode, 0);
    await assert.rejects(docker.getVolume(name).remove(), (e: { statusCode?: number }) => e.statusCode === 409);
    await c.remove({ v: true });
    const reader = await docker.createContainer({ Image: "busybox", Cmd: ["cat", "/v/f"], HostConfig: { Binds: [`${name}:/v:ro`], AutoRemove: false } });
    await reader.start();
    await reader.wait();
    assert.equal((await demux(await reader.logs({ stdout: true, stderr: true, follow: true }))).stdout, "kept\n");
    await reader.remove();
  } finally {
    await docker.getVolume(name).remove({ force: true });
  }
  await assert.rejects(docker.getVolume(name).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
});

test("dockerode: getEvents replays a container's lifecycle", { skip }, async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const c = await docker.createContainer({ Image: "busybox", Cmd: ["true"], name: `berth-test-dockerode-ev-${suffix()}` });
  await c.start();
  await c.wait();
  await c.remove();
  const until = Math.floor(Date.now() / 1000) + 1;
  const stream = await docker.getEvents({ since, until, filters: { container: [c.id] } });
  let text = "";
  for await (const chunk of stream) text += chunk;
  const actions = text.split("\n").filter((l) => l.trim() !== "").map((l) => (JSON.parse(l) as { Type: string; Action: string; Actor: { ID: string } }));
  assert.ok(actions.every((e) => e.Type === "container" && e.Actor.ID === c.id));
  assert.deepEqual(actions.map((e) => e.Action), ["create", "start", "die", "destroy"]);
});
