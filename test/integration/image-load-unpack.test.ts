/**
 * `load` with unpack (what the daemon's docker load does): layers are applied while the archive
 * still streams in, before manifest.json (last in Docker's archives) names their order, then
 * committed in chain order. Checked: the early extractions are the ones committed (no second
 * apply), a reload applies nothing, a layer used twice in the chain, and failures (diff_id
 * mismatch, hostile layer, truncated archive) leave no extraction snapshot behind.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { isEngineError } from "../../src/errors/EngineError.js";
import { chainIds } from "../../src/image/chainid.js";
import type { ImageService } from "../../src/image/ImageService.js";
import type { Descriptor, Digest } from "../../src/oci/image.js";
import { buildTar, once, openImageTestEnv, skipUnlessRoot, type TarItem } from "./image-testenv.js";

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const hex = (d: string) => d.slice(7);

/** A `docker save` archive in Docker 20.10's layout: layer dirs, config, manifest.json last. */
function dockerArchive(name: string, layers: Buffer[], opts: { diffIds?: string[] } = {}): { archive: Buffer; diffIds: string[]; configDigest: string } {
  const diffIds = layers.map(sha);
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["sh"] }, rootfs: { type: "layers", diff_ids: opts.diffIds ?? diffIds } }));
  const items: TarItem[] = [];
  const paths: string[] = [];
  for (const [i, l] of layers.entries()) {
    const dir = createHash("sha256").update(`${i}:${diffIds[i]}`).digest("hex");
    items.push({ path: `${dir}/`, type: "dir" }, { path: `${dir}/layer.tar`, data: l });
    paths.push(`${dir}/layer.tar`);
  }
  items.push({ path: `${hex(sha(config))}.json`, data: config });
  items.push({ path: "manifest.json", data: JSON.stringify([{ Config: `${hex(sha(config))}.json`, RepoTags: [name], Layers: paths }]) });
  return { archive: buildTar(items), diffIds, configDigest: sha(config) };
}

/** Counts LayerUnpacker.extract calls: early ones (before the chain is known) and chain ones. */
function countExtracts(s: ImageService): { early: number; inChain: number } {
  const counts = { early: 0, inChain: 0 };
  const orig = s.unpacker.extract.bind(s.unpacker);
  s.unpacker.extract = (layer: Descriptor, diffId?: Digest, name?: string) => {
    if (diffId === undefined) counts.early++;
    else counts.inChain++;
    return orig(layer, diffId, name);
  };
  return counts;
}

const snapshotKinds = async (s: ImageService) => (await s.snapshotter.list()).map((x) => `${x.kind}${x.key.startsWith("extract-") ? " extract" : ""}`).sort();

test("load with unpack applies each layer while the archive streams in and commits it in chain order", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("load-unpack");
  try {
    const s = env.service;
    const base = buildTar([{ path: "etc/", type: "dir" }, { path: "etc/os-release", data: "ID=berth-test\n" }, { path: "tmp/", type: "dir", mode: 0o1777 }]);
    const mid = buildTar([{ path: "usr/bin/tool", data: "tool v1\n", mode: 0o755 }, { path: "tmp/x", data: "x" }]);
    const top = buildTar([{ path: "etc/.wh.os-release" }, { path: "usr/bin/tool", data: "tool v2\n", mode: 0o755 }]);
    const { archive, diffIds, configDigest } = dockerArchive("berth-test/early:1", [base, mid, top]);
    const counts = countExtracts(s);
    const loaded = await s.load(once(archive), { unpack: true });
    assert.deepEqual(loaded.map((l) => [l.image.id, l.names]), [[configDigest, ["berth-test/early:1"]]]);
    assert.deepEqual(counts, { early: 3, inChain: 0 }, "every layer applied early, none again");
    const chain = chainIds(diffIds);
    assert.deepEqual(await snapshotKinds(s), ["committed", "committed", "committed"], "no extraction left");
    for (const [i, c] of chain.entries()) {
      const info = await s.snapshotter.stat(c);
      assert.equal(info.kind, "committed");
      assert.equal(info.parent, i > 0 ? chain[i - 1] : undefined);
      assert.equal(info.labels["berth.layer.diffid"], diffIds[i]);
    }
    // Contents in their own snapshots; the implicit usr/ and usr/bin/ got their metadata; the whiteout is overlay's.
    assert.equal(await readFile(join(await s.snapshotter.ownDir(chain[1]!), "usr/bin/tool"), "utf8"), "tool v1\n");
    assert.equal(await readFile(join(await s.snapshotter.ownDir(chain[2]!), "usr/bin/tool"), "utf8"), "tool v2\n");
    assert.ok((await stat(join(await s.snapshotter.ownDir(chain[2]!), "etc/os-release"))).isCharacterDevice(), "whiteout as overlay's device node");
    assert.equal((await stat(join(await s.snapshotter.ownDir(chain[1]!), "tmp"))).mode & 0o7777, 0o1777, "implicit tmp/ takes its mode from below");
    assert.ok((s.records.get(configDigest)?.unpackedSize ?? 0) > 0, "unpacked size recorded");

    // The same archive again: nothing to apply.
    const again = countExtracts(s);
    await s.load(once(archive), { unpack: true });
    assert.deepEqual(again, { early: 0, inChain: 0 });
    assert.deepEqual(await snapshotKinds(s), ["committed", "committed", "committed"]);
  } finally {
    await env.close();
  }
});

test("load with unpack: a layer used twice in the chain is applied for both places", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("load-unpack");
  try {
    const s = env.service;
    const a = buildTar([{ path: "a", data: "a" }]);
    const b = buildTar([{ path: "a", data: "b" }]);
    const { archive, diffIds } = dockerArchive("berth-test/twice:1", [a, b, a]);
    const counts = countExtracts(s);
    await s.load(once(archive), { unpack: true });
    // The archive holds the blob once: one early extraction, the second place applies it again.
    assert.deepEqual(counts, { early: 2, inChain: 1 });
    const chain = chainIds(diffIds);
    assert.equal(await readFile(join(await s.snapshotter.ownDir(chain[2]!), "a"), "utf8"), "a");
    assert.deepEqual(await snapshotKinds(s), ["committed", "committed", "committed"]);
  } finally {
    await env.close();
  }
});

test("load with unpack: failures leave no extraction behind", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("load-unpack");
  try {
    const s = env.service;
    const good = buildTar([{ path: "ok", data: "ok" }]);
    const other = buildTar([{ path: "other", data: "other" }]);

    // The config expects other content: refused before the unpack; the early extraction goes.
    const mismatch = dockerArchive("berth-test/mismatch:1", [good, other], { diffIds: [sha(good), sha(buildTar([{ path: "else", data: "else" }]))] });
    await assert.rejects(s.load(once(mismatch.archive), { unpack: true }), (e) => isEngineError(e, "InvalidArgument") && /the config expects diff_id/.test(e.message));
    assert.deepEqual(await s.snapshotter.list(), []);

    // A hostile layer: its early extraction fails quietly, the unpack proper reports it.
    const hostile = dockerArchive("berth-test/hostile:1", [good, buildTar([{ path: "../../escape", data: "x" }])]);
    await assert.rejects(s.load(once(hostile.archive), { unpack: true }), (e) => isEngineError(e, "InvalidArgument"));
    assert.ok(!existsSync(join(env.root, "..", "escape")) && !existsSync(join(env.root, "escape")));
    assert.deepEqual(await snapshotKinds(s), ["committed"], "the good first layer stays committed; no extraction left");

    // Cut off after the first layer (manifest.json never arrives): its extraction is removed.
    const cut = dockerArchive("berth-test/cut:1", [other, good]).archive;
    await assert.rejects(s.load(once(cut.subarray(0, 512 * 4 + other.length)), { unpack: true }), (e) => isEngineError(e, "InvalidArgument"));
    assert.deepEqual(await snapshotKinds(s), ["committed"]);
  } finally {
    await env.close();
  }
});
