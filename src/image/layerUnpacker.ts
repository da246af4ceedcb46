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
   */
  async unpack(layers: readonly Descriptor[], diffIds: readonly Digest[], blobReady?: (i: number) => Promise<void>, onCommitted?: (i: number) => void): Promise<void> {
    const chain = chainIds([...diffIds]);
    const commits: Promise<void>[] = [];
    for (let i = 0; i < chain.length; i++) {
      const key = chain[i]!;
      const below = i > 0 ? commits[i - 1]! : Promise.resolve();
      const start = () => this.start(key, () => this.unpackOne(chain, i, layers[i]!, diffIds[i]!, below, blobReady));
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

  private async unpackOne(chain: readonly Digest[], i: number, layer: Descriptor, diffId: Digest, below: Promise<void>, blobReady?: (i: number) => Promise<void>): Promise<void> {
    const chainId = chain[i]!;
    // A committed snapshot's parents are committed too (the snapshot table's foreign key).
    if (await this.committed(chainId)) return;
    let key: string | undefined;
    try {
      if (blobReady) await blobReady(i);
      let dir: string;
      let applied: ApplyLayerResult & { usage?: SnapshotUsage };
      const release = await this.slots.acquire(layer.size);
      try {
        key = `extract-${randomBytes(6).toString("hex")}-${chainId}`;
        await this.snapshotter.prepare(key, undefined, { labels: { "berth.layer.digest": layer.digest } });
        dir = await this.snapshotter.writableDir(key);
        applied = await this.apply(dir, layer, diffId);
      } finally {
        release();
      }
      await below;
      const lowerDirs: string[] = [];
      for (let j = i - 1; j >= 0; j--) lowerDirs.push(await this.snapshotter.ownDir(chain[j]!));
      fixImplicitDirs(dir, applied.implicitDirs ?? [], lowerDirs, process.getuid?.() === 0);
      const labels: Record<string, string> = { "berth.layer.diffid": diffId };
      if (applied.usage) labels[LAYER_USAGE_LABEL] = String(applied.usage.size);
      await this.snapshotter.commit(chainId, key, { labels, ...(i > 0 ? { parent: chain[i - 1]! } : {}) });
    } catch (e) {
      if (key !== undefined) {
        const k = key;
        await this.snapshotter.remove(k).catch((ce) => {
          if (isEngineError(ce, "NotFound")) return;
          if (e instanceof Error && "cleanupErrors" in e && Array.isArray(e.cleanupErrors)) e.cleanupErrors.push(ce);
        });
      }
      throw e;
    }
  }

  /** Applies one layer into `dir`: in a worker reading the blob file, or in-process for other stores. */
  private async apply(dir: string, layer: Descriptor, diffId: Digest): Promise<ApplyLayerResult & { usage?: SnapshotUsage }> {
    const opts: ApplyLayerOptions = { mediaType: layer.mediaType, expectedDiffId: diffId, implicitDirs: "record" };
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
 * A counting semaphore: at most `limit` holders. A freed slot goes to the waiter with the
 * largest `weight` (a layer's blob size), first come first served among equals: starting the
 * longest job first shortens the whole pull, since the biggest layer, which usually arrives
 * last, would otherwise wait behind small ones and then run alone.
 */
class Slots {
  private used = 0;
  private readonly waiting: Array<{ weight: number; wake: () => void }> = [];

  constructor(private readonly limit: number) {}

  async acquire(weight = 0): Promise<() => void> {
    if (this.used >= this.limit) {
      await new Promise<void>((wake) => {
        const at = this.waiting.findIndex((w) => w.weight < weight);
        this.waiting.splice(at < 0 ? this.waiting.length : at, 0, { weight, wake });
      });
    } else this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.wake(); // the slot passes straight to the next waiter
      else this.used--;
    };
  }
}
