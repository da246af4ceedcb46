import { randomBytes } from "node:crypto";
import { isEngineError } from "../errors/EngineError.js";
import type { Descriptor, Digest } from "../oci/image.js";
import { chainIds } from "./chainid.js";
import type { ContentStore } from "./content/ContentStore.js";
import { FsContentStore } from "./content/FsContentStore.js";
import type { OverlaySnapshotter } from "./snapshot/OverlaySnapshotter.js";
import type { SnapshotUsage } from "./snapshot/Snapshotter.js";
import { applyLayer, type ApplyLayerOptions, type ApplyLayerResult } from "./unpack/applyLayer.js";
import { fixImplicitDirs } from "./unpack/implicitDirs.js";
import { applyLayerInWorker, layerApplyConcurrency } from "./unpack/layerWorker.js";

/**
 * Turns an image's layers into committed snapshots named by ChainID, applying independent layers
 * at once and committing strictly in chain order:
 * - each layer is applied (in a worker thread, one per core) into a parentless extraction
 *   snapshot as soon as its blob is in the content store (digest verified) and a core is free,
 *   recording the directories it creates only implicitly;
 * - once every layer below it is committed, those directories get their lower metadata
 *   (implicitDirs.ts) and the snapshot is committed on top of its parent.
 * A failed layer, or one whose lower layer failed, removes its extraction snapshot, so no half
 * layer is ever committed; layers below it stay committed (complete, and garbage once no image
 * uses them). Each ChainID is unpacked once however many callers ask at the same time.
 *
 * Callers hold ImageService.lock shared.
 */
/** Label of a committed layer snapshot: its disk usage in bytes when unpacked (it never changes). */
export const LAYER_USAGE_LABEL = "berth.layer.usage";

/** A layer applied into an extraction snapshot (key), not committed yet. */
export interface ExtractedLayer {
  key: string;
  /** The snapshot's writable directory. */
  dir: string;
  applied: ApplyLayerResult & { usage?: SnapshotUsage };
}

export class LayerUnpacker {
  /** ChainID → the promise of its commit, shared by concurrent callers. */
  private readonly inFlight = new Map<Digest, Promise<void>>();
  private readonly slots: Slots;

  constructor(private readonly snapshotter: OverlaySnapshotter, private readonly content: ContentStore, concurrency = layerApplyConcurrency()) {
    this.slots = new Slots(concurrency);
  }

  /** Disk usage of a committed layer: recorded at unpack, else measured. */
  async layerSize(chainId: Digest): Promise<number> {
    const recorded = Number((await this.snapshotter.stat(chainId)).labels[LAYER_USAGE_LABEL]);
    return Number.isSafeInteger(recorded) && recorded >= 0 ? recorded : (await this.snapshotter.usage(chainId)).size;
  }

  /**
   * Unpacks `layers` (with their `diffIds`) as the snapshots of their ChainIDs, skipping those
   * already committed. `blobReady(i)` resolves once layer i's blob is stored and verified (a
   * pull still downloading), or rejects if it never will be; without it every blob is there.
   * Resolves when all are committed; rejects with the first failure once all have settled.
   * `onCommitted(i)` is told when layer i's snapshot is committed (or was already).
   * `extracted(i)` hands over layer i already applied by extract() (docker load starts layers
   * before it knows their chain, see EarlyLayers): it is committed instead of applied again,
   * and removed if its content is not that diff_id or the ChainID is committed already.
   */
  async unpack(layers: readonly Descriptor[], diffIds: readonly Digest[], blobReady?: (i: number) => Promise<void>, onCommitted?: (i: number) => void, extracted?: (i: number) => Promise<ExtractedLayer | undefined> | undefined): Promise<void> {
    const chain = chainIds([...diffIds]);
    const commits: Promise<void>[] = [];
    for (let i = 0; i < chain.length; i++) {
      const key = chain[i]!;
      const below = i > 0 ? commits[i - 1]! : Promise.resolve();
      const start = () => this.start(key, () => this.unpackOne(chain, i, layers[i]!, diffIds[i]!, below, blobReady, extracted));
      const theirs = this.inFlight.get(key);
      // Another caller is unpacking this ChainID: share its work; if it fails for reasons of its
      // own (say its pull broke off before the blob came), try once with ours.
      const commit = theirs ? theirs.catch(() => this.inFlight.get(key) ?? start()) : start();
      commits.push(onCommitted ? commit.then(() => onCommitted(i)) : commit);
    }
    const settled = await Promise.allSettled(commits);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** Runs `work` as the unpack of `chainId` that concurrent callers share until it settles. */
  private start(chainId: Digest, work: () => Promise<void>): Promise<void> {
    const p: Promise<void> = work().finally(() => {
      if (this.inFlight.get(chainId) === p) this.inFlight.delete(chainId);
    });
    this.inFlight.set(chainId, p);
    return p;
  }

  private async committed(chainId: Digest): Promise<boolean> {
    const info = await this.snapshotter.stat(chainId).catch((e) => {
      if (isEngineError(e, "NotFound")) return undefined;
      throw e;
    });
    return info?.kind === "committed";
  }

  private async unpackOne(chain: readonly Digest[], i: number, layer: Descriptor, diffId: Digest, below: Promise<void>, blobReady?: (i: number) => Promise<void>, extracted?: (i: number) => Promise<ExtractedLayer | undefined> | undefined): Promise<void> {
    const chainId = chain[i]!;
    // A committed snapshot's parents are committed too (the snapshot table's foreign key).
    if (await this.committed(chainId)) return;
    let ex: ExtractedLayer | undefined;
    try {
      ex = await extracted?.(i);
      if (ex && ex.applied.diffId !== diffId) {
        // Not this layer's content after all: applied again below, which reports the mismatch.
        await this.removeExtraction(ex);
        ex = undefined;
      }
      if (!ex) {
        if (blobReady) await blobReady(i);
        ex = await this.extract(layer, diffId, chainId);
      }
      await below;
      const lowerDirs: string[] = [];
      for (let j = i - 1; j >= 0; j--) lowerDirs.push(await this.snapshotter.ownDir(chain[j]!));
      fixImplicitDirs(ex.dir, ex.applied.implicitDirs ?? [], lowerDirs, process.getuid?.() === 0);
      const labels: Record<string, string> = { "berth.layer.diffid": diffId };
      if (ex.applied.usage) labels[LAYER_USAGE_LABEL] = String(ex.applied.usage.size);
      await this.snapshotter.commit(chainId, ex.key, { labels, ...(i > 0 ? { parent: chain[i - 1]! } : {}) });
    } catch (e) {
      if (ex !== undefined) {
        await this.removeExtraction(ex).catch((ce) => {
          if (e instanceof Error && "cleanupErrors" in e && Array.isArray(e.cleanupErrors)) e.cleanupErrors.push(ce);
        });
      }
      throw e;
    }
  }

  /**
   * Applies a stored layer blob into a new parentless extraction snapshot, in a slot of the
   * pool (the biggest waiting layer gets the next free one). With `diffId` the content is
   * verified while it is applied; without, the result's diffId says what it was. The caller
   * commits the snapshot or removes it (removeExtraction); on failure nothing is left.
   * `name` ends the snapshot key (the ChainID, when known) for whoever reads the list.
   */
  async extract(layer: Descriptor, diffId?: Digest, name: string = layer.digest): Promise<ExtractedLayer> {
    const release = await this.slots.acquire(layer.size);
    try {
      const key = `extract-${randomBytes(6).toString("hex")}-${name}`;
      await this.snapshotter.prepare(key, undefined, { labels: { "berth.layer.digest": layer.digest } });
      try {
        const dir = await this.snapshotter.writableDir(key);
        return { key, dir, applied: await this.apply(dir, layer, diffId) };
      } catch (e) {
        await this.removeExtraction({ key }).catch(() => {}); // the apply's error is the one to report
        throw e;
      }
    } finally {
      release();
    }
  }

  /** Removes an extraction snapshot not to be committed (gone already is fine). */
  async removeExtraction(ex: Pick<ExtractedLayer, "key">): Promise<void> {
    await this.snapshotter.remove(ex.key).catch((e) => {
      if (!isEngineError(e, "NotFound")) throw e;
    });
  }

  /** Applies one layer into `dir`: in a worker reading the blob file, or in-process for other stores. */
  private async apply(dir: string, layer: Descriptor, diffId: Digest | undefined): Promise<ApplyLayerResult & { usage?: SnapshotUsage }> {
    // The blob's digest was computed and checked when it was stored: a plain tar needs no second hash.
    const opts: ApplyLayerOptions = { mediaType: layer.mediaType, implicitDirs: "record", storedDigest: layer.digest, ...(diffId !== undefined ? { expectedDiffId: diffId } : {}) };
    await this.content.info(layer.digest); // NotFound for a missing blob, as openRead says
    if (this.content instanceof FsContentStore) return applyLayerInWorker(dir, this.content.blobPath(layer.digest), opts);
    const blob = await this.content.openRead(layer.digest);
    try {
      return await applyLayer(dir, blob as AsyncIterable<Uint8Array>, opts);
    } finally {
      // A rejected layer stops reading early: release the blob's descriptor now, not at GC.
      (blob as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    }
  }
}

/**
 * A counting semaphore: at most `limit` holders. A free slot goes to the waiter with the
 * largest `weight` (a layer's blob size), first come first served among equals: starting the
 * longest job first shortens the whole unpack, since the biggest layer would otherwise wait
 * behind small ones and then run alone (a pull's biggest layer usually arrives last; an image
 * already stored asks for all its layers at once, in chain order). Grants are made one event
 * loop turn after a request, so requests made together are ranked together.
 */
class Slots {
  private used = 0;
  private readonly waiting: Array<{ weight: number; wake: () => void }> = [];
  private scheduled = false;

  constructor(private readonly limit: number) {}

  async acquire(weight = 0): Promise<() => void> {
    await new Promise<void>((wake) => {
      const at = this.waiting.findIndex((w) => w.weight < weight);
      this.waiting.splice(at < 0 ? this.waiting.length : at, 0, { weight, wake });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.grant();
        });
      }
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      this.grant();
    };
  }

  private grant(): void {
    while (this.used < this.limit && this.waiting.length > 0) {
      this.used++;
      this.waiting.shift()!.wake();
    }
  }
}
