import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { FsContentStore } from "../../src/image/content/FsContentStore.js";
import { RegistryClient } from "../../src/image/registry/RegistryClient.js";
import { pullImage } from "../../src/image/registry/pull.js";
import { pushImage } from "../../src/image/registry/push.js";
import { parseReference } from "../../src/image/reference.js";
import { dockerdSkipReason, makeTestImage, registrySkipReason, startRegistry, startTestDockerd, tarOf, type TestDockerd, type TestRegistry } from "../helpers/registry.js";

/** Real Docker as the oracle: it pulls what berth pushed, and berth pulls what it pushed. */
const skip = registrySkipReason() ?? dockerdSkipReason();
const suffix = randomBytes(4).toString("hex");
let reg: TestRegistry;
let dockerd: TestDockerd;
let work: string;

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  dockerd = await startTestDockerd({ insecureRegistries: [reg.host] });
  work = await mkdtemp(join(tmpdir(), "berth-test-regdocker-"));
});
after(async () => {
  if (skip) return;
  await dockerd?.stop();
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

test("docker pulls an image berth pushed", { skip }, async () => {
  const store = new FsContentStore(join(work, "a"));
  const img = await makeTestImage(store, [{ "etc/a": "a" }, { "etc/b": randomBytes(30_000) }]);
  const name = `${reg.host}/berth-test/to-docker-${suffix}:1`;
  const client = await RegistryClient.forHost(reg.host);
  try {
    await pushImage(client, store, parseReference(name), img.manifestDescriptor);
  } finally {
    client.close();
  }
  const out = dockerd.docker(["pull", name]);
  assert.match(out, new RegExp(`Digest: ${img.manifestDescriptor.digest}`));
  const inspect = JSON.parse(dockerd.docker(["image", "inspect", name]))[0];
  assert.deepEqual(inspect.RootFS.Layers, img.config.rootfs.diff_ids);
  dockerd.docker(["rmi", name]);
});

test("berth pulls an image docker pushed (Docker v2 manifest, docker's own gzip layers)", { skip }, async () => {
  const name = `${reg.host}/berth-test/from-docker-${suffix}:1`;
  dockerd.docker(["import", "--change", "ENV X=1", "-", name], await tarOf({ "bin/x": "x", "etc/z": "z" }));
  const pushOut = dockerd.docker(["push", name]);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushOut)?.[1];
  assert.ok(digest, pushOut);
  const store = new FsContentStore(join(work, "b"));
  const client = await RegistryClient.forHost(reg.host);
  try {
    const r = await pullImage(client, store, parseReference(name));
    assert.equal(r.manifestDigest, digest);
    assert.equal(r.manifestDescriptor.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
    const inspect = JSON.parse(dockerd.docker(["image", "inspect", name]))[0];
    assert.deepEqual(r.config.rootfs.diff_ids, inspect.RootFS.Layers);
    assert.ok(r.config.config?.Env?.includes("X=1"));
  } finally {
    client.close();
  }
  dockerd.docker(["rmi", name]);
});
