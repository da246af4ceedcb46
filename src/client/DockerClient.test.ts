import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerClient, DEFAULT_SOCKET, socketFromEnv } from "./DockerClient.js";
import { isEngineError } from "../errors/EngineError.js";

test("DOCKER_HOST unix sockets are honoured; other schemes are refused", () => {
  assert.equal(socketFromEnv({}), DEFAULT_SOCKET);
  assert.equal(socketFromEnv({ DOCKER_HOST: "unix:///tmp/x.sock" }), "/tmp/x.sock");
  assert.throws(() => socketFromEnv({ DOCKER_HOST: "tcp://1.2.3.4:2375" }), /only unix:\/\/ sockets are supported/);
});

test("no daemon behind the socket is an Unavailable error naming the socket", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-client-"));
  const client = new DockerClient({ socketPath: join(dir, "none.sock") });
  try {
    await assert.rejects(client.version(), (e) => isEngineError(e, "Unavailable") && e.message.includes("none.sock") && /Is it running\?/.test(e.message));
    // A failed negotiation is not cached: the next call tries again (and fails the same way).
    await assert.rejects(client.info(), (e) => isEngineError(e, "Unavailable"));
  } finally {
    client.close();
    await rm(dir, { recursive: true, force: true });
  }
});
