import { isEngineError } from "../errors/EngineError.js";
import type { Digest } from "../oci/image.js";
import { chainIds } from "./chainid.js";
import type { ContentStore } from "./content/ContentStore.js";
import { parseImageConfig } from "./imageConfig.js";
import { parseManifest } from "./manifest.js";
import type { ImageRecords } from "./metadata/ImageRecords.js";
import type { Snapshotter, SnapshotInfo } from "./snapshot/Snapshotter.js";

/**
 * Reference-counting garbage collection (containerd's mark and sweep, without its label graph):
 * roots are the image records and every active/view snapshot. Marked: each image's manifest,
 * config and layer blobs and its chain of layer snapshots; each active/view snapshot's parent
 * chain. Everything else in the content store and every unmarked committed snapshot is
 * deleted, and so are the registry locations recorded for the swept blobs (BlobSources). The
 * caller must hold the store's exclusive lock, so nothing half-written is swept.
 */
export interface GcContext {
  records: ImageRecords;
  content: ContentStore;
  snapshotter: Snapshotter;
}

export interface GcResult {
  deletedBlobs: Digest[];
  deletedSnapshots: string[];
  /** Bytes freed: blob sizes plus snapshot usage. */
  reclaimed: number;
}

export async function markLive(ctx: GcContext): Promise<{ blobs: Set<Digest>; snapshots: Set<string> }> {
  const blobs = new Set<Digest>();
  const snapshots = new Set<string>();
  for (const rec of ctx.records.list()) {
    blobs.add(rec.manifestDigest);
    blobs.add(rec.id);
    try {
      const manifest = parseManifest(await ctx.content.readBlob(rec.manifestDigest));
      for (const l of manifest.layers) blobs.add(l.digest);
      const config = parseImageConfig(await ctx.content.readBlob(rec.id));
      for (const c of chainIds(config.rootfs.diff_ids)) snapshots.add(c);
    } catch (e) {
      // A record whose blobs are gone still protects what it names; nothing more to mark.
      if (!isEngineError(e, "NotFound")) throw e;
    }
  }
  const all = await ctx.snapshotter.list();
  const byKey = new Map(all.map((s) => [s.key, s]));
  for (const s of all) {
    if (s.kind === "committed") continue;
    let cur: SnapshotInfo | undefined = s;
    while (cur) {
      snapshots.add(cur.key);
      cur = cur.parent !== undefined ? byKey.get(cur.parent) : undefined;
    }
  }
  // Keep every ancestor of a live snapshot.
  for (const key of [...snapshots]) {
    let cur = byKey.get(key);
    while (cur?.parent !== undefined) {
      snapshots.add(cur.parent);
      cur = byKey.get(cur.parent);
    }
  }
  return { blobs, snapshots };
}

export async function collectGarbage(ctx: GcContext): Promise<GcResult> {
  const live = await markLive(ctx);
  const result: GcResult = { deletedBlobs: [], deletedSnapshots: [], reclaimed: 0 };
  // Snapshots: children before parents.
  const all = await ctx.snapshotter.list();
  const depth = new Map<string, number>();
  const byKey = new Map(all.map((s) => [s.key, s]));
  const depthOf = (k: string): number => {
    const known = depth.get(k);
    if (known !== undefined) return known;
    const p = byKey.get(k)?.parent;
    const d = p === undefined ? 0 : depthOf(p) + 1;
    depth.set(k, d);
    return d;
  };
  const doomed = all.filter((s) => s.kind === "committed" && !live.snapshots.has(s.key)).sort((a, b) => depthOf(b.key) - depthOf(a.key));
  for (const s of doomed) {
    const usage = await ctx.snapshotter.usage(s.key).catch(() => ({ size: 0, inodes: 0 }));
    await ctx.snapshotter.remove(s.key);
    result.deletedSnapshots.push(s.key);
    result.reclaimed += usage.size;
  }
  for (const info of await ctx.content.list()) {
    if (live.blobs.has(info.digest)) continue;
    try {
      await ctx.content.delete(info.digest);
      result.deletedBlobs.push(info.digest);
      result.reclaimed += info.size;
    } catch (e) {
      if (!isEngineError(e, "NotFound")) throw e;
    }
  }
  // A swept blob is no longer ours to offer for a cross-repository mount: a push lists only
  // blobs it has, so a hint kept here would only come back stale if the blob is pulled again
  // from elsewhere (and the table would grow with every image ever removed).
  if (result.deletedBlobs.length > 0) ctx.records.blobSources.forget(result.deletedBlobs);
  return result;
}
