import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { FsContentStore } from "../../src/image/content/FsContentStore.js";
import { RegistryClient } from "../../src/image/registry/RegistryClient.js";
import { pullImage } from "../../src/image/registry/pull.js";
import { pushImage } from "../../src/image/registry/push.js";
import type { ProgressEvent } from "../../src/image/registry/progress.js";
import { parseReference } from "../../src/image/reference.js";
import { isEngineError } from "../../src/errors/EngineError.js";
import { makeTestImage, makeTestIndex, registrySkipReason, startRegistry, type TestRegistry } from "../helpers/registry.js";

const skip = registrySkipReason();
let reg: TestRegistry;
let work: string;
const suffix = randomBytes(4).toString("hex");

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  work = await mkdtemp(join(tmpdir(), "berth-test-regpull-"));
});
after(async () => {
  if (skip) return;
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

async function freshStore(): Promise<FsContentStore> {
  return new FsContentStore(await mkdtemp(join(work, "store-")));
}

const ref = (s: string) => parseReference(`${reg.host}/${s}`);

test("push an image and pull it back into a fresh store: identical digests", { skip }, async () => {
  const src = await freshStore();
  const img = await makeTestImage(src, [{ "etc/hello": "hello\n" }, { "bin/tool": randomBytes(200_000) }, { "etc/hello": "world\n", "var/x": "" }]);
  const client = await RegistryClient.forHost(reg.host);
  try {
    const events: ProgressEvent[] = [];
    const pushed = await pushImage(client, src, ref(`berth-test/app-${suffix}:v1`), img.manifestDescriptor, { onProgress: (e) => events.push(e) });
    assert.equal(pushed.descriptor.digest, img.manifestDescriptor.digest);
    // One line per layer, as Docker draws them; the config is uploaded without a progress line.
    const layerIds = img.config.rootfs.diff_ids.map((d) => d.slice(7, 19)); // keyed by diff ID, as Docker's
    assert.deepEqual(events.filter((e) => e.status === "Pushed").map((e) => e.id).sort(), [...layerIds].sort());
    assert.deepEqual(events.filter((e) => e.status === "Preparing").map((e) => e.id).sort(), [...layerIds].sort());
    assert.ok(!events.some((e) => e.id === img.manifest.config.digest.slice(7, 19)), "no progress event for the config blob");

    const dst = await freshStore();
    const pullEvents: ProgressEvent[] = [];
    const r = await pullImage(client, dst, ref(`berth-test/app-${suffix}:v1`), { onProgress: (e) => pullEvents.push(e) });
    assert.equal(r.manifestDigest, img.manifestDescriptor.digest);
    assert.equal(r.resolvedDigest, img.manifestDescriptor.digest);
    assert.deepEqual(r.manifest, img.manifest);
    assert.deepEqual(r.config.rootfs, img.config.rootfs);
    assert.equal(r.reference, `${reg.host}/berth-test/app-${suffix}:v1`);
    for (const l of img.manifest.layers) assert.deepEqual(await dst.readBlob(l.digest), await src.readBlob(l.digest));
    assert.ok(await dst.has(img.manifest.config.digest));
    assert.ok(await dst.has(img.manifestDescriptor.digest));
    assert.equal(pullEvents.filter((e) => e.status === "Download complete").length, 3);
    assert.ok(pullEvents.some((e) => e.status === "Downloading" && e.current === e.total && e.total === img.manifest.layers[1]!.size));

    // Second pull: everything already there.
    const again: ProgressEvent[] = [];
    await pullImage(client, dst, ref(`berth-test/app-${suffix}:v1`), { onProgress: (e) => again.push(e) });
    assert.equal(again.filter((e) => e.status === "Already exists").length, 3);
    assert.equal(again.filter((e) => e.status === "Downloading").length, 0);

    // Pushing again: the registry has every blob.
    const re: ProgressEvent[] = [];
    await pushImage(client, src, ref(`berth-test/app-${suffix}:v2`), img.manifestDescriptor, { onProgress: (e) => re.push(e) });
    assert.deepEqual(re.filter((e) => e.status === "Layer already exists").map((e) => e.id).sort(), [...layerIds].sort());
    assert.ok(!re.some((e) => e.id === img.manifest.config.digest.slice(7, 19)), "no progress event for the config blob");
  } finally {
    client.close();
  }
});

test("pull by digest, and chunked upload of a large layer", { skip }, async () => {
  const src = await freshStore();
  const img = await makeTestImage(src, [{ "big.bin": randomBytes(3 * 1024 * 1024 + 17) }], { gzip: false });
  const client = await RegistryClient.forHost(reg.host);
  try {
    const events: ProgressEvent[] = [];
    await pushImage(client, src, ref(`berth-test/chunked-${suffix}:latest`), img.manifestDescriptor, { monolithicMax: 1024, chunkSize: 1024 * 1024, onProgress: (e) => events.push(e) });
    const pushing = events.filter((e) => e.status === "Pushing" && e.id === img.manifest.layers[0]!.digest.slice(7, 19));
    assert.ok(pushing.length >= 4, `expected one Pushing event per chunk, got ${pushing.length}`);
    const dst = await freshStore();
    const r = await pullImage(client, dst, ref(`berth-test/chunked-${suffix}@${img.manifestDescriptor.digest}`));
    assert.equal(r.manifestDigest, img.manifestDescriptor.digest);
    assert.equal(r.reference, `${reg.host}/berth-test/chunked-${suffix}@${img.manifestDescriptor.digest}`);
    assert.deepEqual(await dst.readBlob(img.manifest.layers[0]!.digest), img.layers[0]);
  } finally {
    client.close();
  }
});

test("multi-platform index: the requested platform's manifest is selected", { skip }, async () => {
  const src = await freshStore();
  const amd = await makeTestImage(src, [{ "arch": "amd64\n" }], { platform: { os: "linux", architecture: "amd64" } });
  const arm = await makeTestImage(src, [{ "arch": "arm64\n" }], { platform: { os: "linux", architecture: "arm64", variant: "v8" } });
  const index = await makeTestIndex(src, [
    { descriptor: amd.manifestDescriptor, platform: { os: "linux", architecture: "amd64" } },
    { descriptor: arm.manifestDescriptor, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
  ]);
  const client = await RegistryClient.forHost(reg.host);
  try {
    await pushImage(client, src, ref(`berth-test/multi-${suffix}:1`), index);
    const dstArm = await freshStore();
    const r = await pullImage(client, dstArm, ref(`berth-test/multi-${suffix}:1`), { platform: { os: "linux", architecture: "arm64" } });
    assert.equal(r.manifestDigest, arm.manifestDescriptor.digest);
    assert.equal(r.index?.digest, index.digest);
    assert.equal(r.resolvedDigest, index.digest);
    assert.equal(r.config.architecture, "arm64");
    assert.ok(await dstArm.has(index.digest));
    assert.equal(await dstArm.has(amd.manifest.layers[0]!.digest), false);

    const dstAmd = await freshStore();
    const r2 = await pullImage(client, dstAmd, ref(`berth-test/multi-${suffix}:1`), { platform: { os: "linux", architecture: "amd64" } });
    assert.equal(r2.manifestDigest, amd.manifestDescriptor.digest);

    await assert.rejects(pullImage(client, await freshStore(), ref(`berth-test/multi-${suffix}:1`), { platform: { os: "linux", architecture: "s390x" } }),
      (e: unknown) => isEngineError(e, "NotFound") && /no matching manifest for linux\/s390x in the manifest list entries/.test(e.message));
  } finally {
    client.close();
  }
});

test("unknown tag and unknown repository are NotFound with Docker's words", { skip }, async () => {
  const client = await RegistryClient.forHost(reg.host);
  try {
    await assert.rejects(pullImage(client, await freshStore(), ref(`berth-test/none-${suffix}:nope`)), (e: any) => {
      assert.ok(isEngineError(e, "NotFound"), String(e));
      assert.match(e.message, /repository does not exist|not found/);
      return true;
    });
  } finally {
    client.close();
  }
});

test("a corrupted blob in the registry fails the pull with a digest mismatch and stores nothing", { skip }, async () => {
  const src = await freshStore();
  const img = await makeTestImage(src, [{ "etc/data": randomBytes(50_000) }]);
  const client = await RegistryClient.forHost(reg.host);
  try {
    await pushImage(client, src, ref(`berth-test/corrupt-${suffix}:1`), img.manifestDescriptor);
    const layer = img.manifest.layers[0]!;
    const path = reg.blobDataPath(layer.digest);
    await writeFile(path, randomBytes((await stat(path)).size)); // same size, wrong bytes
    const dst = await freshStore();
    await assert.rejects(pullImage(client, dst, ref(`berth-test/corrupt-${suffix}:1`)), (e: any) => {
      assert.ok(isEngineError(e, "InvalidArgument"), String(e));
      assert.match(e.message, /mismatch/);
      assert.ok(e.message.includes(layer.digest));
      return true;
    });
    assert.equal(await dst.has(layer.digest), false);
    assert.equal(await dst.has(img.manifestDescriptor.digest), false);
    assert.deepEqual(await dst.listIngests!(), []);
  } finally {
    client.close();
  }
});

test("cross-repository mount on push", { skip }, async () => {
  const src = await freshStore();
  const img = await makeTestImage(src, [{ "a": "1" }, { "b": "2" }]);
  const client = await RegistryClient.forHost(reg.host);
  try {
    await pushImage(client, src, ref(`berth-test/mount-src-${suffix}:1`), img.manifestDescriptor);
    const mountFrom = new Map(img.manifest.layers.map((l) => [l.digest, `berth-test/mount-src-${suffix}`]));
    const events: ProgressEvent[] = [];
    await pushImage(client, src, ref(`berth-test/mount-dst-${suffix}:1`), img.manifestDescriptor, { mountFrom, onProgress: (e) => events.push(e) });
    const mounted = events.filter((e) => e.status === "Mounted from");
    assert.equal(mounted.length, 2);
    assert.ok(mounted.every((e) => e.detail === `berth-test/mount-src-${suffix}`));
    // The config is uploaded (no mount hint for it) but, as in Docker, without a progress line.
    assert.equal(events.filter((e) => e.status === "Pushed").length, 0);
    assert.ok(!events.some((e) => e.id === img.manifest.config.digest.slice(7, 19)), "no progress event for the config blob");
    const r = await pullImage(client, await freshStore(), ref(`berth-test/mount-dst-${suffix}:1`));
    assert.equal(r.manifestDigest, img.manifestDescriptor.digest);
  } finally {
    client.close();
  }
});
