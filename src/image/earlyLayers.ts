import type { Digest } from "../oci/image.js";
import { sniffCompression } from "./archive/compression.js";
import { blobHead } from "./archive/layerDigest.js";
import type { ContentProvider } from "./content/ContentStore.js";
import type { ExtractedLayer, LayerUnpacker } from "./layerUnpacker.js";
import type { Snapshotter } from "./snapshot/Snapshotter.js";

/**
 * `docker load` unpacking while the archive still streams in. A `docker save` archive names its
 * layers' order only in manifest.json, which Docker writes last, so a layer's ChainID is
 * unknown while its bytes arrive. But LayerUnpacker applies every layer into a parentless
 * extraction snapshot anyway, and only the commit needs the chain: so each stored blob that
 * looks like a layer tar is applied at once (in the unpacker's worker slots), and once the
 * manifest is read LayerUnpacker.unpack commits these extractions in chain order instead of
 * applying again (see its `extracted` argument).
 *
 * A guess that is not a layer, or a layer that fails, costs only the wasted work: its
 * extraction resolves to undefined and the unpack proper applies (and reports on) whatever the
 * manifest really names. Extractions not taken are removed by discard(), which the caller runs
 * once the unpack is over, failed or not.
 */
export class EarlyLayers {
  private readonly started = new Map<Digest, Promise<ExtractedLayer | undefined>>();
  private committedDiffIds: Promise<Set<string>> | undefined;
  private closed = false;

  constructor(private readonly unpacker: LayerUnpacker, private readonly snapshotter: Snapshotter, private readonly content: ContentProvider) {}

  /** For stageArchive's onBlobStored: a blob just stored (digest verified or computed). */
  readonly offer = (blob: { digest: Digest; size: number }): void => {
    if (this.closed || this.started.has(blob.digest)) return;
    const p = this.tryExtract(blob);
    this.started.set(blob.digest, p);
  };

  /** The extraction of a blob, handed over once: the taker commits or removes it. */
  take(digest: Digest): Promise<ExtractedLayer | undefined> | undefined {
    const p = this.started.get(digest);
    this.started.delete(digest);
    return p;
  }

  /** Removes every extraction not taken, waiting for those still running. Idempotent. */
  async discard(): Promise<void> {
    this.closed = true;
    const left = [...this.started.values()];
    this.started.clear();
    const errors: unknown[] = [];
    for (const p of left) {
      const ex = await p;
      if (ex) await this.unpacker.removeExtraction(ex).catch((e) => errors.push(e));
    }
    if (errors.length > 0) throw errors[0];
  }

  private async tryExtract(blob: { digest: Digest; size: number }): Promise<ExtractedLayer | undefined> {
    try {
      const kind = await layerKind(this.content, blob.digest);
      if (kind === undefined) return undefined;
      // A plain tar's digest is its diff_id: one already unpacked is most likely the same layer
      // at the same place in the chain (reloading an image), which the unpack will skip.
      if (kind === "tar" && (await this.diffIdsCommitted()).has(blob.digest)) return undefined;
      return await this.unpacker.extract({ mediaType: "", digest: blob.digest, size: blob.size });
    } catch {
      return undefined; // not a layer after all, or a bad one: the unpack proper reports it
    }
  }

  private diffIdsCommitted(): Promise<Set<string>> {
    this.committedDiffIds ??= this.snapshotter.list().then((all) => new Set(all.filter((s) => s.kind === "committed").map((s) => s.labels["berth.layer.diffid"]).filter((d): d is string => d !== undefined)));
    return this.committedDiffIds;
  }
}

/** How a blob looks from its first 512 bytes: a tar, a compressed stream (likely a layer), or not a layer. */
async function layerKind(content: ContentProvider, digest: Digest): Promise<"tar" | "compressed" | undefined> {
  const head = await blobHead(content, digest, 512);
  const compression = sniffCompression(head);
  if (compression === "gzip" || compression === "zstd") return "compressed";
  // POSIX ustar and GNU tar headers carry "ustar" at offset 257. An empty tar (all zeros) is
  // left to the unpack proper: nothing to gain.
  if (compression === "none" && head.length >= 262 && head.toString("latin1", 257, 262) === "ustar") return "tar";
  return undefined;
}
