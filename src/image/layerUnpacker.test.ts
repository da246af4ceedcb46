import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lstat, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { internal, isEngineError } from "../errors/EngineError.js";
import type { Descriptor, Manifest } from "../oci/image.js";
import { storeImage, storeLayer, type StoredLayer } from "./buildImage.js";
import { chainIds } from "./chainid.js";
import { ImageService } from "./ImageService.js";
import { LayerUnpacker } from "./layerUnpacker.js";
import { openTestDatabase } from "./metadata/testDatabase.js";
import { PipelinedUnpack } from "./pipelinedUnpack.js";
import { dataPadding, encodeHeader, endOfArchive, type TarHeaderInput } from "./unpack/tarWriter.js";

type Item = { path: string; type?: TarHeaderInput["type"]; data?: string; mode?: number };

async function* tar(items: Item[]): AsyncGenerator<Buffer> {
  for (const it of items) {
    const data = Buffer.from(it.data ?? "");
    const type = it.type ?? "file";
    yield encodeHeader({ path: it.path, type, mode: it.mode ?? 0o644, uid: 0, gid: 0, size: type === "file" ? data.length : 0, mtime: new Date("2020-01-01T00:00:00Z") });
    if (type === "file") {
      yield data;
      yield dataPadding(data.length);
    }
  }
  yield endOfArchive();
}

async function withService(fn: (s: ImageService, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "berth-test-unpacker-"));
  const db = openTestDatabase();
  try {
    await fn(await ImageService.open({ root, db }), root);
  } finally {
    db.close();
    await rm(root, { recursive: true, force: true });
  }
}

const LAYERS: Item[][] = [
  [{ path: "tmp/", type: "dir", mode: 0o1777 }, { path: "etc/", type: "dir", mode: 0o755 }, { path: "etc/a", data: "a0" }],
  [{ path: "tmp/x", data: "x" }, { path: "etc/a", data: "a1" }],
  [{ path: "tmp/y/z", data: "z" }, { path: "etc/b", data: "b2" }],
];

async function stored(s: ImageService): Promise<StoredLayer[]> {
  const out: StoredLayer[] = [];
  for (const l of LAYERS) out.push(await storeLayer(s.content, tar(l)));
  return out;
}

/** Snapshot dirs on disk and rows: nothing but committed layers may be left. */
async function leftovers(s: ImageService, root: string) {
  const rows = await s.snapshotter.list();
  return { active: rows.filter((r) => r.kind !== "committed").map((r) => r.key), committed: rows.length, dirs: (await readdir(join(root, "snapshots"))).length };
}

test("LayerUnpacker: layers applied in parallel are committed in chain order with lower metadata on implicit dirs", async () => {
  await withService(async (s) => {
    const layers = await stored(s);
    const chain = chainIds(layers.map((l) => l.diffId));
    await s.unpacker.unpack(layers.map((l) => l.descriptor), layers.map((l) => l.diffId));
    assert.equal((await s.snapshotter.stat(chain[0]!)).parent, undefined);
    assert.equal((await s.snapshotter.stat(chain[1]!)).parent, chain[0]);
    assert.equal((await s.snapshotter.stat(chain[2]!)).parent, chain[1]);
    // tmp/ is implicit in layers 1 and 2: it keeps 1777 from layer 0 (layer 2 through layer 1).
    for (const c of chain.slice(1)) assert.equal((await lstat(join(await s.snapshotter.ownDir(c), "tmp"))).mode & 0o7777, 0o1777, c);
    assert.equal(await readFile(join(await s.snapshotter.ownDir(chain[1]!), "etc/a"), "utf8"), "a1");
    // The usage measured in the worker is recorded and is what a walk of the snapshot says.
    for (const c of chain) {
      assert.ok((await s.snapshotter.stat(c)).labels["berth.layer.usage"], c);
      assert.equal(await s.unpacker.layerSize(c), (await s.snapshotter.usage(c)).size, c);
    }
    // Again: nothing to do; concurrent callers share the work.
    await Promise.all([s.unpacker.unpack(layers.map((l) => l.descriptor), layers.map((l) => l.diffId)), s.unpacker.unpack(layers.map((l) => l.descriptor), layers.map((l) => l.diffId))]);
    assert.equal((await s.snapshotter.list()).length, 3);
  });
});

test("LayerUnpacker: layers of a stored image are applied biggest first, whatever their place in the chain", async () => {
  await withService(async (s) => {
    const sizes = [1_000, 60_000, 20_000];
    const layers: StoredLayer[] = [];
    for (const [i, n] of sizes.entries()) layers.push(await storeLayer(s.content, tar([{ path: `f${i}`, data: randomBytes(n).toString("base64") }])));
    // One slot, so the order in which layers get it is the order they are applied in.
    const unpacker = new LayerUnpacker(s.snapshotter, s.content, 1);
    const applied: string[] = [];
    const proto = unpacker as unknown as { apply: (dir: string, layer: Descriptor, diffId?: string) => Promise<unknown> };
    const apply = proto.apply.bind(unpacker);
    proto.apply = (dir, layer, diffId) => {
      applied.push(layer.digest);
      return apply(dir, layer, diffId);
    };
    await unpacker.unpack(layers.map((l) => l.descriptor), layers.map((l) => l.diffId));
    assert.deepEqual(applied, [1, 2, 0].map((i) => layers[i]!.descriptor.digest));
    assert.equal((await s.snapshotter.list()).length, 3);
  });
});

test("LayerUnpacker: a failed layer leaves no extraction snapshot, above it nothing is committed", async () => {
  await withService(async (s, root) => {
    const layers = await stored(s);
    const diffIds = layers.map((l) => l.diffId);
    diffIds[1] = `sha256:${"0".repeat(64)}`;
    await assert.rejects(s.unpacker.unpack(layers.map((l) => l.descriptor), diffIds), (e) => isEngineError(e, "InvalidArgument") && /diff id mismatch/.test(e.message));
    assert.deepEqual(await leftovers(s, root), { active: [], committed: 1, dirs: 1 });
    // A missing blob is NotFound, and likewise cleaned up.
    const ghost: Descriptor = { ...layers[2]!.descriptor, digest: `sha256:${"1".repeat(64)}` };
    await assert.rejects(s.unpacker.unpack([layers[0]!.descriptor, ghost], [layers[0]!.diffId, layers[2]!.diffId]), (e) => isEngineError(e, "NotFound"));
    assert.deepEqual(await leftovers(s, root), { active: [], committed: 1, dirs: 1 });
  });
});

test("LayerUnpacker: a caller sharing a layer with a pull that breaks off still gets it unpacked", async () => {
  await withService(async (s, root) => {
    const layers = await stored(s);
    const descs = layers.map((l) => l.descriptor);
    const diffIds = layers.map((l) => l.diffId);
    let breakOff!: (e: unknown) => void;
    const never = new Promise<void>((_, reject) => (breakOff = reject));
    const pulling = s.unpacker.unpack(descs, diffIds, (i) => (i === 1 ? never : Promise.resolve()));
    const local = s.unpacker.unpack(descs, diffIds); // registered after: shares the pull's layers
    breakOff(internal("pull: connection reset"));
    await assert.rejects(pulling, /connection reset/);
    await local;
    assert.deepEqual(await leftovers(s, root), { active: [], committed: 3, dirs: 3 });
  });
});

test("PipelinedUnpack: layers unpack as blobs are reported; a failed pull leaves no half snapshot", async () => {
  await withService(async (s, root) => {
    const layers = await stored(s);
    const img = await storeImage(s.content, layers.map((l) => l.descriptor), { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) } });
    const manifest: Manifest = img.manifestBody;
    const chain = chainIds(layers.map((l) => l.diffId));

    // Failed pull: config and layer 0 arrived, layer 2 too, layer 1 never did.
    const failing = new PipelinedUnpack(s.unpacker, s.content);
    failing.onBlobStored(manifest.config, manifest);
    failing.onBlobStored(manifest.layers[0]!, manifest);
    failing.onBlobStored(manifest.layers[2]!, manifest);
    await failing.finish(internal("pull: connection reset"));
    assert.deepEqual(await leftovers(s, root), { active: [], committed: 1, dirs: 1 });
    assert.equal((await s.snapshotter.stat(chain[0]!)).kind, "committed");

    // Blobs in any order, the config last: every layer ends up committed.
    const ok = new PipelinedUnpack(s.unpacker, s.content);
    for (const b of [manifest.layers[2]!, manifest.layers[1]!, manifest.layers[0]!, manifest.config]) ok.onBlobStored(b, manifest);
    await ok.finish();
    assert.deepEqual(await leftovers(s, root), { active: [], committed: 3, dirs: 3 });

    // A pull that "succeeded" without ever storing the config cannot have unpacked anything.
    await assert.rejects(new PipelinedUnpack(s.unpacker, s.content).finish(), (e) => isEngineError(e, "Internal"));
  });
});
