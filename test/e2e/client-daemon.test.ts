/**
 * DockerClient against a real daemon: a private berthd started here, or any daemon named by
 * BERTH_E2E_SOCKET (Docker itself as the oracle: same test, both daemons, to pin behaviour; it
 * needs a local `busybox` image):
 *   BERTH_E2E_SOCKET=/var/run/docker.sock node scripts/test.mjs client-daemon
 */
import { after, before, test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { DockerClient } from "../../src/client/DockerClient.js";
import { isEngineError } from "../../src/errors/EngineError.js";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

let socketPath = process.env.BERTH_E2E_SOCKET;
const image = process.env.BERTH_E2E_IMAGE ?? "busybox";
const skip = socketPath ? false : (daemonSkipReason() ?? false);
let daemon: TestDaemon | undefined;

before(async () => {
  if (socketPath || skip) return;
  daemon = await startTestDaemon();
  socketPath = daemon.sock;
});

after(async () => {
  if (!daemon) return;
  const forced = await daemon.cleanup();
  assert.deepEqual(forced, [], "berthd left things that had to be removed by force");
});

test("lifecycle through the client: create, wait, start, logs, exit code, remove", { skip }, async () => {
  const client = new DockerClient({ socketPath: socketPath! });
  const name = `berth-test-e2e-${randomBytes(4).toString("hex")}`;
  try {
    const ping = await client.ping();
    assert.ok(ping.apiVersion);
    const { Id } = await client.containers.create({ Image: image, Cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"] }, { name });
    let ready: () => void = () => {};
    const registered = new Promise<void>((r) => (ready = r));
    const waited = client.containers.wait(Id, { condition: "next-exit", onReady: () => ready() });
    await registered;
    await client.containers.start(Id);
    const result = await waited;
    assert.equal(result.StatusCode, 3);
    const out: string[] = [];
    for await (const c of await client.containers.logs(Id)) out.push(`${c.stream}:${c.data}`);
    assert.deepEqual(out.sort(), ["stderr:err\n", "stdout:out\n"]);
    await assert.rejects(client.containers.inspect(`${name}-nosuch`), (e) => isEngineError(e, "NotFound"));
  } finally {
    await client.containers.remove(name, { force: true }).catch(() => {});
    client.close();
  }
});

test("attach and exec round-trip stdin through the client", { skip }, async () => {
  const client = new DockerClient({ socketPath: socketPath! });
  const name = `berth-test-e2e-${randomBytes(4).toString("hex")}`;
  try {
    const { Id } = await client.containers.create({ Image: image, Cmd: ["cat"], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true }, { name });
    const conn = await client.containers.attach(Id);
    const collected = conn.collect();
    await client.containers.start(Id);
    await conn.sendStdin(Readable.from(["hello through attach\n"]));
    assert.equal((await collected).stdout, "hello through attach\n");
    assert.equal((await client.containers.wait(Id)).StatusCode, 0);

    await client.containers.remove(Id, { force: true });
    const { Id: id2 } = await client.containers.create({ Image: image, Cmd: ["sleep", "30"] }, { name });
    await client.containers.start(id2);
    const exec = await client.exec.create(id2, { Cmd: ["sh", "-c", "cat; exit 4"], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const session = await client.exec.start(exec.Id);
    const out = session.collect();
    session.write("exec input\n");
    session.closeWrite();
    assert.equal((await out).stdout, "exec input\n");
    assert.equal((await client.exec.inspect(exec.Id)).ExitCode, 4);
  } finally {
    await client.containers.remove(name, { force: true }).catch(() => {});
    client.close();
  }
});
