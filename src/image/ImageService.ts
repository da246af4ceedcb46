import { invalidArgument, isEngineError, notFound } from "../errors/EngineError.js";
import type { Descriptor, Digest, ImageConfig, Manifest, Platform } from "../oci/image.js";
import { containerSnapshotKey } from "./containerRootfsKey.js";
import { commitContainer, exportContainer, type CommitOptions } from "./commitContainer.js";
import { imageDiskUsage, type DiskUsage } from "./diskUsage.js";
import { chainIds } from "./chainid.js";
import type { ContentStore } from "./content/ContentStore.js";
import { FsContentStore } from "./content/FsContentStore.js";
import { collectGarbage, type GcResult } from "./gc.js";
import { parseImageConfig } from "./imageConfig.js";
import { toHistory, toInspect, toSummary, type ImageHistoryItem, type ImageInspect, type ImageSummary } from "./imageViews.js";
import { parseManifest } from "./manifest.js";
import { ImageRecords, type ImageRecord } from "./metadata/ImageRecords.js";
import type { SqliteDatabase } from "./metadata/sqlite.js";
import { hostPlatform, normalizePlatform } from "./platform.js";
import { formatReference, normalizeReference, repositoryName } from "./reference.js";
import { RwLock } from "./rwLock.js";
import { removeImage, type ImageDeleteItem, type RemoveImageOptions } from "./imageRemoval.js";
import * as transfer from "./imageTransfer.js";
import type { ImportRootfsOptions, LoadedImageRecord, LoadRequestOptions, PullRequestOptions, PushRequestOptions } from "./imageTransfer.js";
import type { LayoutTarget } from "./archive/layoutTarget.js";
import type { Writable } from "node:stream";
import { OverlaySnapshotter } from "./snapshot/OverlaySnapshotter.js";
import type { SnapshotMount } from "./snapshot/Snapshotter.js";
import { LayerUnpacker } from "./layerUnpacker.js";

/**
 * The image side's one entry point for the engine: names → images → unpacked snapshots →
 * container root filesystems. It composes the content store (blobs), the image records (SQLite)
 * and the overlay snapshotter; registry and archive flows store content and hand back a
 * manifest, and this service records names and unpacks layers (once per ChainID, shared).
 *
 * Concurrency: operations that add content hold `lock` shared; removal with garbage
 * collection holds it exclusively, so GC never sweeps a blob an operation has just written.
 */
export interface ImageServiceOptions {
  /** Data root, e.g. /var/lib/berth (content/ and snapshots/ live below it). */
  root: string;
  db: SqliteDatabase;
  content?: ContentStore;
  platform?: Platform;
  /**
   * Make the next container layer's directories ahead after each removal (OverlaySnapshotter
   * spareDirs): the daemon's engine, which calls flushDeletes as it closes.
   */
  spareDirs?: boolean;
}

export interface UnpackedImage {
  image: ImageRecord;
  /** ChainID of the top layer (the parent of container snapshots); undefined for no layers. */
  chainId?: Digest;
  config: ImageConfig;
  manifest: Manifest;
}

export type { ImageDeleteItem, RemoveImageOptions } from "./imageRemoval.js";

/** Parsed image configs kept by ImageService.imageConfig. */
const CONFIG_CACHE_MAX = 256;

export class ImageService {
  readonly root: string;
  readonly content: ContentStore;
  readonly records: ImageRecords;
  readonly snapshotter: OverlaySnapshotter;
  readonly platform: Platform;
  readonly lock = new RwLock();
  /** Layers → committed snapshots (parallel apply, chain-order commits); callers hold `lock` shared. */
  readonly unpacker: LayerUnpacker;
  /**
   * Images seen fully unpacked, by image id: the ChainID of the top layer ("" for no layers).
   * A container create then reads neither manifest nor config blob; if the snapshot went away
   * (image removed and pulled again), prepare says NotFound and the full path runs again.
   */
  private readonly unpackedTop = new Map<Digest, string>();
  /** Parsed image configs by digest, oldest first (see imageConfig). */
  private readonly configs = new Map<Digest, ImageConfig>();

  constructor(opts: ImageServiceOptions) {
    this.root = opts.root;
    this.content = opts.content ?? new FsContentStore(opts.root);
    this.records = new ImageRecords(opts.db);
    this.snapshotter = new OverlaySnapshotter(opts.root, opts.db, { spareDirs: opts.spareDirs === true });
    this.unpacker = new LayerUnpacker(this.snapshotter, this.content);
    this.platform = normalizePlatform(opts.platform ?? hostPlatform());
  }

  /** Opens the service and removes leftovers of a crash (unrecorded snapshot dirs, extractions). */
  static async open(opts: ImageServiceOptions): Promise<ImageService> {
    const s = new ImageService(opts);
    for (const snap of await s.snapshotter.list()) {
      if (snap.kind === "active" && snap.key.startsWith("extract-")) await s.snapshotter.remove(snap.key);
    }
    await s.snapshotter.cleanupOrphans();
    if (s.content instanceof FsContentStore) await s.content.cleanupTemporary();
    return s;
  }

  // ---- names ----

  /**
   * Finds an image the way Docker's daemon does: a full or short ID (`sha256:…`, hex prefix),
   * else a reference (`busybox` = docker.io/library/busybox:latest, `name@digest`). NotFound
   * reads "No such image: <input>".
   */
  resolve(input: string): ImageRecord {
    const rec = this.tryResolve(input);
    if (!rec) throw notFound(`No such image: ${input}`);
    return rec;
  }

  tryResolve(input: string): ImageRecord | undefined {
    if (input.startsWith("sha256:")) return this.records.byIdPrefix(input);
    if (/^[0-9a-f]{64}$/.test(input)) return this.records.get(`sha256:${input}`);
    let ref;
    try {
      ref = normalizeReference(input);
    } catch (e) {
      if (/^[0-9a-f]+$/.test(input)) return this.records.byIdPrefix(input);
      throw e;
    }
    const byName = this.records.byName(formatReference(ref));
    if (byName) return byName;
    if (ref.digest !== undefined) {
      // name@digest where the digest is the manifest (or was pulled by tag only).
      const repo = repositoryName(ref);
      const match = this.records.list().find((r) => r.manifestDigest === ref.digest && r.names.some((n) => n.startsWith(`${repo}:`) || n.startsWith(`${repo}@`)));
      if (match) return match;
      const anyRepo = this.records.byName(`${repo}@${ref.digest}`);
      if (anyRepo) return anyRepo;
    }
    if (/^[0-9a-f]{1,63}$/.test(input)) return this.records.byIdPrefix(input);
    return undefined;
  }

  /** The canonical name string for user input (`busybox` → `docker.io/library/busybox:latest`). */
  static canonicalName(input: string): string {
    return formatReference(normalizeReference(input));
  }

  /**
   * Records an image whose manifest (and all its blobs) is already in the content store, and
   * points `names` at it. Returns the record. Used after pull, load, import, commit.
   */
  async recordImage(manifestDesc: Pick<Descriptor, "digest"> & Partial<Descriptor>, names: readonly string[] = []): Promise<ImageRecord> {
    const manifestBytes = await this.content.readBlob(manifestDesc.digest);
    const manifest = parseManifest(manifestBytes, manifestDesc.mediaType);
    const config = parseImageConfig(await this.content.readBlob(manifest.config.digest));
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw invalidArgument(`record image ${manifestDesc.digest}: config lists ${config.rootfs.diff_ids.length} diff_ids but the manifest has ${manifest.layers.length} layers`);
    }
    for (const l of manifest.layers) {
      if (!(await this.content.has(l.digest))) throw notFound(`record image ${manifestDesc.digest}: layer blob ${l.digest} is not in the content store`);
    }
    const chain = chainIds(config.rootfs.diff_ids);
    const platform: Platform = { os: config.os, architecture: config.architecture };
    if (config.variant) platform.variant = config.variant;
    const rec = this.records.put({
      id: manifest.config.digest,
      manifestDigest: manifestDesc.digest,
      manifestMediaType: manifest.mediaType ?? manifestDesc.mediaType ?? "application/vnd.oci.image.manifest.v1+json",
      created: config.created ?? "",
      contentSize: manifestBytes.length + manifest.config.size + manifest.layers.reduce((a, l) => a + l.size, 0),
      platform,
      ...(chain.length > 0 ? { chainId: chain[chain.length - 1]! } : {}),
    });
    for (const n of names) this.records.setName(ImageService.canonicalName(n), rec.id);
    return this.records.get(rec.id)!;
  }

  /**
   * The parsed config of an image. Every container create and start asks for it: parsed configs
   * are kept by digest (content-addressed, so never stale) and each caller gets its own copy
   * (structuredClone of a few KiB: ~10 µs, against a blob read of four thread-pool round trips).
   */
  async imageConfig(rec: ImageRecord): Promise<ImageConfig> {
    let config = this.configs.get(rec.id);
    if (!config) {
      config = parseImageConfig(await this.content.readBlob(rec.id));
      if (this.configs.size >= CONFIG_CACHE_MAX) this.configs.delete(this.configs.keys().next().value!);
      this.configs.set(rec.id, config);
    }
    return structuredClone(config);
  }

  async imageManifest(rec: ImageRecord): Promise<Manifest> {
    return parseManifest(await this.content.readBlob(rec.manifestDigest), rec.manifestMediaType);
  }

  // ---- unpacking and container root filesystems ----

  /** Unpacks every layer of the image not unpacked yet (each ChainID once, concurrent callers share). */
  async ensureUnpacked(input: string | ImageRecord): Promise<UnpackedImage> {
    return this.lock.shared(() => this.ensureUnpackedLocked(typeof input === "string" ? this.resolve(input) : input));
  }

  private async ensureUnpackedLocked(image: ImageRecord): Promise<UnpackedImage> {
    const manifest = await this.imageManifest(image);
    const config = await this.imageConfig(image);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) throw invalidArgument(`unpack image ${image.id}: ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
    const chain = chainIds(diffIds);
    await this.unpacker.unpack(manifest.layers, diffIds);
    if (image.unpackedSize === undefined) {
      let size = 0;
      for (const c of chain) size += await this.unpacker.layerSize(c);
      this.records.setUnpackedSize(image.id, size);
    }
    const out: UnpackedImage = { image: this.records.get(image.id) ?? image, config, manifest };
    if (chain.length > 0) out.chainId = chain[chain.length - 1]!;
    return out;
  }

  static containerSnapshotKey(containerId: string): string {
    return containerSnapshotKey(containerId);
  }

  /**
   * A container's root filesystem: a writable snapshot on top of the image's layers. Returns the
   * mounts (overlay, or a bind for an image without layers); mount them with mountAll (they may
   * carry `cwd`). AlreadyExists if the container has one.
   */
  async prepareRootfs(containerId: string, image: string | ImageRecord): Promise<SnapshotMount[]> {
    const key = ImageService.containerSnapshotKey(containerId);
    return this.lock.shared(async () => {
      const rec = typeof image === "string" ? this.resolve(image) : image;
      const labels = { "berth.container": containerId, "berth.image": rec.id };
      const known = this.unpackedTop.get(rec.id);
      let mounts: SnapshotMount[] | undefined;
      if (known !== undefined) {
        mounts = await this.snapshotter.prepare(key, known || undefined, { labels }).catch((e) => {
          if (!isEngineError(e, "NotFound")) throw e;
          this.unpackedTop.delete(rec.id);
          return undefined;
        });
      }
      if (!mounts) {
        const unpacked = await this.ensureUnpackedLocked(rec);
        mounts = await this.snapshotter.prepare(key, unpacked.chainId, { labels });
        this.unpackedTop.set(rec.id, unpacked.chainId ?? "");
      }
      try {
        this.records.addUser({ containerId, imageId: rec.id, snapshotKey: key });
      } catch (e) {
        await this.snapshotter.remove(key).catch(() => {});
        throw e;
      }
      return mounts;
    });
  }

  /** Waits for the container layers removeContainerRootfs left deleting in the background. */
  async flushDeletes(): Promise<void> {
    await this.snapshotter.flushDeletes();
  }

  /** The mounts of an existing container rootfs (e.g. after a daemon restart). */
  async containerMounts(containerId: string): Promise<SnapshotMount[]> {
    return this.snapshotter.mounts(ImageService.containerSnapshotKey(containerId));
  }

  /** The container's upper (writable) directory, for diffs and size accounting. */
  async containerUpperDir(containerId: string): Promise<string> {
    return this.snapshotter.writableDir(ImageService.containerSnapshotKey(containerId));
  }

  /**
   * Deletes a container's writable layer (it must be unmounted). Idempotent. Its files are
   * deleted in the background (a recursive delete is most of a `run --rm`'s removal); close
   * waits for them.
   */
  async removeContainerRootfs(containerId: string): Promise<void> {
    const key = ImageService.containerSnapshotKey(containerId);
    await this.lock.shared(async () => {
      await this.snapshotter.remove(key, { deferDelete: true }).catch((e) => {
        if (!isEngineError(e, "NotFound")) throw e;
      });
      this.records.removeUser(containerId);
    });
  }

  // ---- listing and inspection ----

  async list(opts: { dangling?: boolean } = {}): Promise<ImageSummary[]> {
    const recs = opts.dangling === undefined ? this.records.list() : opts.dangling ? this.records.dangling() : this.records.list().filter((r) => r.names.length > 0);
    const out: ImageSummary[] = [];
    for (const r of recs) out.push(toSummary(r, await this.imageConfig(r), this.records.users(r.id).length));
    return out;
  }

  async inspect(input: string): Promise<ImageInspect> {
    const rec = this.resolve(input);
    return toInspect(rec, await this.imageConfig(rec));
  }

  /** `docker history`: one row per build step, newest first, with layer sizes. */
  async history(input: string): Promise<ImageHistoryItem[]> {
    const rec = this.resolve(input);
    const config = await this.imageConfig(rec);
    const manifest = await this.imageManifest(rec);
    const chain = chainIds(config.rootfs.diff_ids);
    const sizes: number[] = [];
    for (const [i, c] of chain.entries()) {
      const usage = await this.snapshotter.usage(c).catch(() => undefined);
      sizes.push(usage?.size ?? manifest.layers[i]?.size ?? 0);
    }
    return toHistory(rec, config, sizes);
  }

  /** Size of a container's writable layer (`docker ps -s` SizeRw). */
  async containerSize(containerId: string): Promise<number> {
    return (await this.snapshotter.usage(ImageService.containerSnapshotKey(containerId))).size;
  }

  // ---- naming, removal, garbage ----

  /** `docker tag SOURCE TARGET` */
  async tag(source: string, target: string): Promise<void> {
    const rec = this.resolve(source);
    const ref = normalizeReference(target);
    if (ref.digest !== undefined) throw invalidArgument(`tag image: refusing to create a tag with a digest reference: ${target}`);
    this.records.setName(formatReference(ref), rec.id);
  }

  /** Removes one name; returns false if it did not exist. The image itself stays (maybe dangling). */
  async untag(name: string): Promise<boolean> {
    return this.records.removeName(ImageService.canonicalName(name)) !== undefined;
  }

  /**
   * `docker rmi` (see imageRemoval.ts): by name untags, deleting the image with its last name;
   * by ID deletes. Used images are refused unless forced; only unreferenced content is freed.
   */
  async remove(input: string, opts: RemoveImageOptions = {}): Promise<ImageDeleteItem[]> {
    return this.lock.exclusive(() => removeImage(this, input, opts));
  }

  /** Deletes dangling images not used by any container, then collects garbage. */
  async prune(): Promise<{ ImagesDeleted: ImageDeleteItem[]; SpaceReclaimed: number }> {
    return this.lock.exclusive(async () => {
      const deleted: ImageDeleteItem[] = [];
      for (const r of this.records.dangling()) {
        if (this.records.users(r.id).length > 0) continue;
        this.records.remove(r.id);
        deleted.push({ Deleted: r.id });
      }
      const gc = await collectGarbage(this);
      return { ImagesDeleted: deleted, SpaceReclaimed: gc.reclaimed };
    });
  }

  // ---- transfers (registry and archives; see imageTransfer.ts) ----

  /** `docker pull`: fetches into the content store, records the tag and repo@digest, unpacks. */
  pull(reference: string, opts?: PullRequestOptions): Promise<ImageRecord> {
    return transfer.pull(this, reference, opts);
  }

  /** `docker push` of a local name to its registry; returns the pushed manifest descriptor. */
  push(reference: string, opts?: PushRequestOptions): Promise<Descriptor> {
    return transfer.push(this, reference, opts);
  }

  /** `docker load` of a docker-save or OCI-layout tar stream. */
  load(source: AsyncIterable<Uint8Array>, opts: LoadRequestOptions = {}): Promise<LoadedImageRecord[]> {
    return transfer.load(this, source, opts);
  }

  /** `docker save` of images (by name or ID) as one tar written to `out`. */
  save(inputs: readonly string[], out: Writable): Promise<void> {
    return transfer.save(this, inputs, out);
  }

  /** `docker import`: a rootfs tar becomes a one-layer image. */
  importRootfs(source: AsyncIterable<Uint8Array>, opts?: ImportRootfsOptions): Promise<ImageRecord> {
    return transfer.importRootfs(this, source, opts);
  }

  /** Writes images as an OCI image layout to a directory or tar target (archive/layoutTarget.ts). */
  exportOCI(inputs: readonly string[], target: LayoutTarget): Promise<Descriptor[]> {
    return transfer.exportOCI(this, inputs, target);
  }

  /** `docker commit`: the container's changes as a new layer on its image (see commitContainer.ts). */
  async commitContainer(containerId: string, opts: CommitOptions = {}): Promise<ImageRecord> {
    return commitContainer(this, containerId, opts);
  }

  /** `docker export`: the merged root filesystem as a tar stream (mounted read-only while read). */
  exportContainer(containerId: string): AsyncGenerator<Buffer> {
    return exportContainer(this, containerId);
  }

  async diskUsage(): Promise<DiskUsage> {
    return this.lock.shared(() => imageDiskUsage(this));
  }

  /** Sweeps blobs and snapshots nothing references (e.g. after removing containers). */
  async collectGarbage(): Promise<GcResult> {
    return this.lock.exclusive(() => collectGarbage(this));
  }
}
