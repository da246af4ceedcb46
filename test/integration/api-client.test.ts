/** The typed DockerClient against berth's API server (backed by the in-memory test engine). */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { startHarness } from "./api-harness.js";
import { DockerClient } from "../../src/client/DockerClient.js";
import { isEngineError } from "../../src/errors/EngineError.js";

test("version negotiation, ping, version, info", async () => {
  const h = await startHarness();
  const client = new DockerClient({ socketPath: h.socketPath });
  const older = new DockerClient({ socketPath: h.socketPath, maxApiVersion: "1.43" });
  try {
    assert.equal(await client.apiVersion(), "1.47");
    assert.equal(await older.apiVersion(), "1.43", "a client older than the daemon keeps its own version");
    const ping = await client.ping();
    assert.deepEqual(ping, { apiVersion: "1.47", osType: "linux", experimental: false, builderVersion: "1", swarm: "inactive" });
    const v = await older.version();
    assert.equal(v.Version, "0.1.0-test");
    h.engine.add({ name: "a" });
    h.engine.add({ name: "b", status: "exited" });
    const info = await client.info();
    assert.equal(info.Containers, 2);
    assert.equal(info.ContainersRunning, 1);
    assert.equal(info.ContainersStopped, 1);
    assert.equal(info.Driver, "overlayfs");
    assert.equal(info.LiveRestoreEnabled, true);
    assert.equal(info.ServerVersion, "0.1.0-test");
    assert.ok(info.NCPU >= 1 && info.MemTotal > 0);
    assert.equal(info.Swarm.LocalNodeState, "inactive");
  } finally {
    client.close();
    older.close();
    await h.cleanup();
  }
});

test("container lifecycle calls and error kinds", async () => {
  const h = await startHarness();
  const client = new DockerClient({ socketPath: h.socketPath });
  try {
    const { Id } = await client.containers.create({ Image: "busybox", Cmd: ["cat"], OpenStdin: true, Labels: { app: "x" } }, { name: "web" });
    assert.equal(Id.length, 64);
    assert.deepEqual(await client.containers.list(), [], "created containers are not listed without all");
    const all = await client.containers.list({ all: true, filters: { name: ["web"] } });
    assert.equal(all.length, 1);
    assert.deepEqual(all[0]!.Names, ["/web"]);
    assert.equal(await client.containers.start("web"), true);
    assert.equal(await client.containers.start("web"), false, "already running → 304 → false");
    const inspect = await client.containers.inspect("web");
    assert.equal(inspect.State.Running, true);
    assert.deepEqual(inspect.Config.Labels, { app: "x" });

    await assert.rejects(client.containers.create({ Image: "busybox" }, { name: "web" }), (e) => isEngineError(e, "Conflict") && /already in use/.test(e.message));
    await assert.rejects(client.containers.create({ Image: "nosuchimage" }), (e) => isEngineError(e, "NotFound") && e.message === "No such image: nosuchimage");
    await assert.rejects(client.containers.inspect("nope"), (e) => isEngineError(e, "NotFound") && e.message === "No such container: nope");
    await assert.rejects(client.containers.remove("web"), (e) => isEngineError(e, "Conflict"));
    await assert.rejects(client.containers.pause("web"), (e) => isEngineError(e, "NotImplemented"));
    await assert.rejects(client.containers.create({ Image: 7 as unknown as string }), (e) => isEngineError(e, "InvalidArgument") && e.message === "create container: field Image must be a string");

    const waited = client.containers.wait("web");
    await client.containers.kill("web", "KILL");
    assert.deepEqual(await waited, { StatusCode: 137, Error: null });
    assert.equal(await client.containers.stop("web"), false);
    await client.containers.remove("web");
    assert.deepEqual(await client.containers.list({ all: true }), []);
  } finally {
    client.close();
    await h.cleanup();
  }
});

test("logs are demultiplexed; TTY logs are raw", async () => {
  const h = await startHarness();
  const client = new DockerClient({ socketPath: h.socketPath });
  try {
    h.engine.add({ name: "plain", logs: [{ stream: "stdout", data: Buffer.from("out1\n") }, { stream: "stderr", data: Buffer.from("err1\n") }, { stream: "stdout", data: Buffer.from("out2\n") }] });
    h.engine.add({ name: "tty", tty: true, logs: [{ stream: "stdout", data: Buffer.from("\x01\x00raw bytes\n") }] });
    const got: string[] = [];
    for await (const c of await client.containers.logs("plain")) got.push(`${c.stream}:${c.data}`);
    assert.deepEqual(got, ["stdout:out1\n", "stderr:err1\n", "stdout:out2\n"]);
    const onlyErr: string[] = [];
    for await (const c of await client.containers.logs("plain", { stdout: false })) onlyErr.push(c.data.toString());
    assert.deepEqual(onlyErr, ["err1\n"]);
    const raw: Buffer[] = [];
    for await (const c of await client.containers.logs("tty")) raw.push(c.data);
    assert.equal(Buffer.concat(raw).toString(), "\x01\x00raw bytes\n");
  } finally {
    client.close();
    await h.cleanup();
  }
});

test("attach and exec round-trip stdin to stdout over hijacked connections", async () => {
  const h = await startHarness();
  const client = new DockerClient({ socketPath: h.socketPath });
  try {
    h.engine.add({ name: "echo" });
    const conn = await client.containers.attach("echo");
    assert.equal(conn.contentType, "application/vnd.docker.multiplexed-stream");
    const collected = conn.collect();
    await conn.sendStdin(Readable.from([Buffer.from("ping "), Buffer.from("pong")]));
    assert.deepEqual(await collected, { stdout: "ping pong", stderr: "" });

    h.engine.add({ name: "tty", tty: true });
    const raw = await client.containers.attach("tty");
    assert.equal(raw.contentType, "application/vnd.docker.raw-stream");
    assert.equal(raw.multiplexed, false);
    const rawOut = raw.collect();
    await raw.sendStdin(Readable.from(["\x01\x00\x00\x00 not a frame header"]));
    assert.deepEqual(await rawOut, { stdout: "\x01\x00\x00\x00 not a frame header", stderr: "" }, "TTY output passes through unframed");

    h.engine.add({ name: "box" });
    const exec = await client.exec.create("box", { Cmd: ["cat", "3"], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const session = await client.exec.start(exec.Id);
    const out = session.collect();
    session.write("line 1\n");
    session.closeWrite();
    assert.deepEqual(await out, { stdout: "line 1\n", stderr: "exec cat 3 done\n" });
    const ei = await client.exec.inspect(exec.Id);
    assert.equal(ei.ExitCode, 3);
    assert.equal(ei.Running, false);
    await assert.rejects(client.exec.start("nosuchexec"), (e) => isEngineError(e, "NotFound") && e.message === "No such exec instance: nosuchexec");
    await assert.rejects(client.exec.create("box", { Cmd: [] }), (e) => isEngineError(e, "InvalidArgument") && e.message === "No exec command specified");
    assert.equal(h.engine.openSessions, 0);
  } finally {
    client.close();
    await h.cleanup();
  }
});

test("images, pull progress and its errors, volumes, events with abort", async () => {
  const h = await startHarness();
  const client = new DockerClient({ socketPath: h.socketPath });
  try {
    const images = await client.images.list();
    assert.deepEqual(images[0]!.RepoTags, ["busybox:latest"]);
    const statuses: string[] = [];
    for await (const m of await client.images.pull("alpine", { tag: "3.19" })) statuses.push(m.status ?? "");
    assert.deepEqual(statuses, ["Pulling from library/alpine", "Downloading", "Status: Downloaded newer image for alpine:3.19"]);
    await assert.rejects(async () => { for await (const _ of await client.images.pull("breaks")) { /* drain */ } }, { message: "pull: registry went away" });
    await assert.rejects(client.images.pull("missing"), (e) => isEngineError(e, "NotFound"));
    await assert.rejects(client.images.inspect("registry.example.com:5000/team/app:1"), (e) => isEngineError(e, "NotFound") && e.message === "No such image: registry.example.com:5000/team/app:1");
    assert.deepEqual(await client.images.remove("org/app:tag"), [{ Untagged: "org/app:tag" }]);

    const vol = await client.volumes.create({ Name: "berth-test-vol", Labels: { a: "b" } });
    assert.equal(vol.Name, "berth-test-vol");
    assert.equal((await client.volumes.list()).Volumes.length, 1);
    await client.volumes.remove("berth-test-vol");
    await assert.rejects(client.volumes.inspect("berth-test-vol"), (e) => isEngineError(e, "NotFound"));
    await assert.rejects(client.networks.list(), (e) => isEngineError(e, "NotImplemented"));
    await assert.rejects(client.auth({ username: "u", password: "wrong" }), (e) => isEngineError(e, "Forbidden"));
    assert.deepEqual(await client.auth({ username: "u", password: "secret" }), { Status: "Login Succeeded" });

    const ac = new AbortController();
    const events = await client.events({ signal: ac.signal });
    const first = await events.next();
    assert.equal(first.value?.Action, "start");
    ac.abort();
    await assert.rejects(events.next(), /aborted/, "aborting the request ends the event stream");
  } finally {
    client.close();
    await h.cleanup();
  }
});
