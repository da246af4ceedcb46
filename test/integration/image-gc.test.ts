import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { isEngineError } from "../../src/errors/EngineError.js";
import { chainIds } from "../../src/image/chainid.js";
import { mountAll, unmountAll } from "../../src/image/snapshot/mountAll.js";
import { buildTar, buildTestImage, openImageTestEnv, skipUnlessRoot } from "./image-testenv.js";

const layer = (name: string, content: string) => buildTar([{ path: `layers/${name}`, data: content }]);

test("remove images with shared layers: only unique snapshots and blobs go", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("gc");
  try {
    const s = env.service;
    const base = layer("base", "B".repeat(10000));
    const a = await buildTestImage(s, "berth-test/a:1", [base, layer("a", "only in a")]);
    const b = await buildTestImage(s, "berth-test/b:1", [base, layer("b", "only in b")]);
    await s.ensureUnpacked("berth-test/a:1");
    // concurrent callers share the unpack work
    await Promise.all([s.ensureUnpacked("berth-test/b:1"), s.ensureUnpacked("berth-test/b:1"), s.ensureUnpacked(b.id)]);
    const snaps = async () => (await s.snapshotter.list()).map((x) => x.key).sort();
    const chainA = chainIds((await s.inspect("berth-test/a:1")).RootFS.Layers);
    const chainB = chainIds((await s.inspect("berth-test/b:1")).RootFS.Layers);
    assert.equal(chainA[0], chainB[0], "the base layer snapshot is shared");
    assert.deepEqual(await snaps(), [...new Set([...chainA, ...chainB])].sort());

    const du = await s.diskUsage();
    const duA = du.Images.find((i) => i.Id === a.id)!;
    assert.ok(duA.SharedSize >= 10000, `shared size counts the base layer: ${JSON.stringify(duA)}`);
    assert.equal(duA.Size, duA.SharedSize + duA.UniqueSize);
    assert.ok(du.LayersSize < duA.Size * 2, "shared layers counted once in the total");

    const manifestA = await s.imageManifest(a);
    const blobsBefore = new Set((await s.content.list()).map((x) => x.digest));
    // a container on image a protects it
    await s.prepareRootfs("berth-test-gc1", "berth-test/a:1");
    await assert.rejects(s.remove("berth-test/a:1"), (e) => isEngineError(e, "Conflict") && /must force/.test(e.message));
    await s.tag("berth-test/a:1", "berth-test/a:alias");
    assert.deepEqual(await s.remove("berth-test/a:alias"), [{ Untagged: "berth-test/a:alias" }]);
    await assert.rejects(s.remove(a.id), (e) => isEngineError(e, "Conflict") && /being used by stopped container/.test(e.message));
    await s.removeContainerRootfs("berth-test-gc1");

    const result = await s.remove("berth-test/a:1");
    assert.deepEqual(result, [{ Untagged: "berth-test/a:1" }, { Deleted: a.id }]);
    assert.deepEqual(await snaps(), [...chainB].sort(), "a's unique layer snapshot removed, shared base kept");
    const blobsAfter = new Set((await s.content.list()).map((x) => x.digest));
    assert.equal(blobsAfter.has(manifestA.layers[0]!.digest), true, "shared layer blob kept");
    assert.equal(blobsAfter.has(manifestA.layers[1]!.digest), false, "unique layer blob removed");
    assert.equal(blobsAfter.has(a.id) || blobsAfter.has(a.manifestDigest), false, "config and manifest removed");
    assert.equal(blobsBefore.size - blobsAfter.size, 3);
    await assert.rejects(s.inspect("berth-test/a:1"), (e) => isEngineError(e, "NotFound") && e.message === "No such image: berth-test/a:1");

    // b still works end to end
    const mounts = await s.prepareRootfs("berth-test-gc2", "berth-test/b:1");
    const t = await mkdtemp(join(env.root, "mnt-"));
    await mountAll(mounts, t);
    try {
      assert.equal(await readFile(join(t, "layers/b"), "utf8"), "only in b");
      assert.equal((await readFile(join(t, "layers/base"), "utf8")).length, 10000);
    } finally {
      await unmountAll(t);
      await rmdir(t);
    }
    await s.removeContainerRootfs("berth-test-gc2");

    // untag → dangling → prune removes everything
    assert.equal(await s.untag("berth-test/b:1"), true);
    assert.deepEqual((await s.list({ dangling: true })).map((x) => x.Id), [b.id]);
    const pruned = await s.prune();
    assert.deepEqual(pruned.ImagesDeleted, [{ Deleted: b.id }]);
    assert.ok(pruned.SpaceReclaimed > 10000);
    assert.deepEqual(await snaps(), []);
    assert.deepEqual(await s.content.list(), []);
  } finally {
    await env.close();
  }
});

test("forced removal of a used image keeps what the container needs", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("gc");
  try {
    const s = env.service;
    const img = await buildTestImage(s, "berth-test/used:1", [layer("x", "x")]);
    await s.prepareRootfs("berth-test-gc3", "berth-test/used:1");
    assert.deepEqual(await s.remove("berth-test/used:1", { force: true }), [{ Untagged: "berth-test/used:1" }]);
    assert.equal(s.records.get(img.id)?.names.length, 0, "image stays, dangling, while used");
    assert.equal((await s.prune()).ImagesDeleted.length, 0);
    await s.removeContainerRootfs("berth-test-gc3");
    assert.equal((await s.prune()).ImagesDeleted.length, 1);
    assert.deepEqual(await s.snapshotter.list(), []);
  } finally {
    await env.close();
  }
});

test("a layer whose content does not match its diff id is refused and leaves no snapshot", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("gc");
  try {
    const s = env.service;
    await buildTestImage(s, "berth-test/bad:1", [layer("ok", "ok"), layer("bad", "bad")], { diffIdOverride: (i, real) => (i === 1 ? `sha256:${"0".repeat(64)}` : real) });
    await assert.rejects(s.ensureUnpacked("berth-test/bad:1"), (e) => isEngineError(e, "InvalidArgument") && /diff id mismatch/.test(e.message));
    const left = await s.snapshotter.list();
    assert.deepEqual(left.map((x) => x.kind), ["committed"], "only the good first layer stays; the failed extraction was removed");
    await assert.rejects(s.prepareRootfs("berth-test-gc4", "berth-test/bad:1"), (e) => isEngineError(e, "InvalidArgument"));
    assert.equal(s.records.user("berth-test-gc4"), undefined);
    // a hostile layer through the service: rejected, no extraction snapshot left
    await buildTestImage(s, "berth-test/hostile:1", [buildTar([{ path: "../../x", data: "x" }])]);
    await assert.rejects(s.ensureUnpacked("berth-test/hostile:1"), (e) => isEngineError(e, "InvalidArgument"));
    assert.equal((await s.snapshotter.list()).length, 1);
  } finally {
    await env.close();
  }
});

test("garbage collection forgets the registry locations of the blobs it sweeps, and only those", async () => {
  const env = await openImageTestEnv("gc");
  try {
    const s = env.service;
    const base = layer("base", "shared");
    const a = await buildTestImage(s, "berth-test/a:1", [base, layer("a", "only in a")]);
    const b = await buildTestImage(s, "berth-test/b:1", [base, layer("b", "only in b")]);
    const ma = await s.imageManifest(a);
    const mb = await s.imageManifest(b);
    const sources = s.records.blobSources;
    // As after pulls of a from one repository and b from another (pull records config and layers).
    sources.record("127.0.0.1:5000", "berth-test/src-a", [a.id, ...ma.layers.map((l) => l.digest)]);
    sources.record("127.0.0.1:5000", "berth-test/src-b", [b.id, ...mb.layers.map((l) => l.digest)]);
    // A hint for a blob this store never had stays: GC only forgets what it swept.
    const foreign = `sha256:${"f".repeat(64)}`;
    sources.record("127.0.0.1:5000", "berth-test/other", [foreign]);

    await s.remove("berth-test/a:1");
    assert.deepEqual(sources.repositories(a.id, "127.0.0.1:5000"), [], "a's config is swept, so is its hint");
    assert.deepEqual(sources.repositories(ma.layers[1]!.digest, "127.0.0.1:5000"), [], "a's unique layer is swept, so is its hint");
    assert.deepEqual(sources.repositories(ma.layers[0]!.digest, "127.0.0.1:5000"), ["berth-test/src-b", "berth-test/src-a"], "the shared layer is kept with all its hints");
    assert.deepEqual(sources.repositories(b.id, "127.0.0.1:5000"), ["berth-test/src-b"]);
    assert.deepEqual(sources.repositories(foreign, "127.0.0.1:5000"), ["berth-test/other"]);

    // The same through prune of the dangling b: its blobs go, their hints with them.
    assert.equal(await s.untag("berth-test/b:1"), true);
    assert.deepEqual((await s.prune()).ImagesDeleted, [{ Deleted: b.id }]);
    assert.deepEqual(await s.content.list(), []);
    for (const d of [b.id, ...mb.layers.map((l) => l.digest)]) assert.deepEqual(sources.repositories(d, "127.0.0.1:5000"), [], `hint of swept ${d}`);
    assert.deepEqual(sources.repositories(foreign, "127.0.0.1:5000"), ["berth-test/other"]);
  } finally {
    await env.close();
  }
});
