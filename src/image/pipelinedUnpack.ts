import { internal, invalidArgument } from "../errors/EngineError.js";
import type { Descriptor, Digest, Manifest } from "../oci/image.js";
import type { ContentStore } from "./content/ContentStore.js";
import { parseImageConfig } from "./imageConfig.js";
import type { LayerUnpacker } from "./layerUnpacker.js";

/**
 * Unpacking while a pull still downloads: pullImage reports each blob once it is stored and
 * verified (`onBlobStored`); when the config is there the layers' ChainIDs are known and the
 * LayerUnpacker starts, each layer waiting only for its own blob. `finish` is called once the
 * pull has returned or failed; after a failure, layers whose blob never came give up (their
 * extraction snapshots are removed) and the pull's error is the one reported.
 */
export class PipelinedUnpack {
  private readonly blobs = new Map<Digest, { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void }>();
  private running: Promise<void> | undefined;
  /** Set by finish: blobs not stored by then never will be. */
  private missing: unknown;

  /** `onLayerDone`: a layer's snapshot is committed (Docker's "Pull complete"). */
  constructor(private readonly unpacker: LayerUnpacker, private readonly content: ContentStore, private readonly onLayerDone?: (layer: Descriptor) => void) {}

  /** For PullOptions.onBlobStored. */
  readonly onBlobStored = (blob: Descriptor, manifest: Manifest): void => {
    this.blob(blob.digest).resolve();
    if (this.running === undefined && blob.digest === manifest.config.digest) {
      this.running = this.run(manifest);
      this.running.catch(() => {}); // observed by finish
    }
  };

  private blob(digest: Digest) {
    let b = this.blobs.get(digest);
    if (!b) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {}); // a layer not waited for yet must not count as unhandled
      b = { promise, resolve, reject };
      this.blobs.set(digest, b);
      if (this.missing !== undefined) reject(this.missing); // asked for after the pull ended
    }
    return b;
  }

  private async run(manifest: Manifest): Promise<void> {
    const config = parseImageConfig(await this.content.readBlob(manifest.config.digest));
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) throw invalidArgument(`unpack image: config ${manifest.config.digest} lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
    const done = this.onLayerDone;
    await this.unpacker.unpack(manifest.layers, diffIds, (i) => this.blob(manifest.layers[i]!.digest).promise, done ? (i) => done(manifest.layers[i]!) : undefined);
  }

  /**
   * Waits for the unpack to settle. With `pullError` (the pull failed) blobs still missing
   * reject and the unpack's own outcome is ignored; without, every blob has been stored, and
   * the unpack's failure (e.g. a diff_id mismatch) is thrown.
   */
  async finish(pullError?: unknown): Promise<void> {
    this.missing = pullError ?? internal("unpack image: the pull finished without storing this layer");
    for (const b of this.blobs.values()) b.reject(this.missing); // no-op for stored ones
    if (pullError !== undefined) {
      await this.running?.catch(() => {});
      return;
    }
    if (this.running === undefined) throw internal("unpack image: the pull never stored the image config");
    await this.running;
  }
}
