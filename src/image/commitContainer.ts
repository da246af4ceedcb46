import { mkdir, mkdtemp, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { EngineError, notFound } from "../errors/EngineError.js";
import { MediaType, type ContainerDefaults, type Descriptor, type ImageConfig } from "../oci/image.js";
import { storeImage, storeLayer } from "./buildImage.js";
import type { ImageService } from "./ImageService.js";
import { containerSnapshotKey } from "./containerRootfsKey.js";
import type { ImageRecord } from "./metadata/ImageRecords.js";
import { mountAll, unmountAll } from "./snapshot/mountAll.js";
import { diffTar } from "./unpack/diffLayer.js";
import { LazyFsHelper } from "./unpack/FsHelper.js";

/**
 * `docker commit` and `docker export` on the image side. The engine pauses or stops the
 * container first if it wants a consistent snapshot; this code reads the upper directory.
 */
export interface CommitOptions {
  /** Name for the new image (e.g. "app:v2"); none leaves it dangling, as Docker does. */
  reference?: string;
  /** Overrides of the container defaults (already parsed from `--change`). */
  changes?: Partial<ContainerDefaults>;
  comment?: string;
  author?: string;
  /** History text, e.g. the command line. */
  createdBy?: string;
  now?: () => Date;
}

/** Docker's gzip layer types carry the same bytes as OCI's; an OCI manifest uses OCI names. */
function ociLayer(d: Descriptor): Descriptor {
  const map: Record<string, string> = {
    [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
    [MediaType.DockerLayerForeignGzip]: MediaType.OciLayerNondistributableGzip,
    "application/vnd.docker.image.rootfs.diff.tar": MediaType.OciLayer,
  };
  return { mediaType: map[d.mediaType] ?? d.mediaType, digest: d.digest, size: d.size };
}

export async function commitContainer(service: ImageService, containerId: string, opts: CommitOptions = {}): Promise<ImageRecord> {
  const user = service.records.user(containerId);
  if (!user) throw notFound(`commit container: No such container: ${containerId}`);
  return service.lock.shared(async () => {
    const base = service.records.get(user.imageId);
    if (!base) throw notFound(`commit container ${containerId}: its image ${user.imageId} is gone`);
    const upper = await service.containerUpperDir(containerId);
    const helper = new LazyFsHelper();
    let layer;
    try {
      layer = await storeLayer(service.content, diffTar(upper, helper));
    } finally {
      await helper.close();
    }
    const baseConfig = await service.imageConfig(base);
    const baseManifest = await service.imageManifest(base);
    const created = (opts.now ?? (() => new Date()))().toISOString();
    const config: ImageConfig = {
      ...baseConfig,
      created,
      config: { ...(baseConfig.config ?? {}), ...(opts.changes ?? {}) },
      rootfs: { type: "layers", diff_ids: [...baseConfig.rootfs.diff_ids, layer.diffId] },
      history: [...(baseConfig.history ?? []), { created, created_by: opts.createdBy ?? "", ...(opts.comment ? { comment: opts.comment } : {}), ...(opts.author ? { author: opts.author } : {}) }],
    };
    if (opts.author !== undefined) config.author = opts.author;
    const stored = await storeImage(service.content, [...baseManifest.layers.map(ociLayer), layer.descriptor], config);
    return service.recordImage(stored.manifest, opts.reference ? [opts.reference] : []);
  });
}

/**
 * The container's merged root filesystem as a tar stream (`docker export`): the container's
 * layers are mounted read-only (as lowerdirs, no upper) on a temporary directory under
 * `<root>/tmp`, archived, and unmounted when the stream ends, fails or is abandoned.
 */
export async function* exportContainer(service: ImageService, containerId: string): AsyncGenerator<Buffer> {
  const key = containerSnapshotKey(containerId);
  const keys: string[] = [];
  let cur: string | undefined = key;
  while (cur !== undefined) {
    keys.push(cur);
    cur = (await service.snapshotter.stat(cur)).parent;
  }
  const mounts = service.snapshotter.readOnlyMountsOf(keys);
  await mkdir(join(service.root, "tmp"), { recursive: true });
  const target = await mkdtemp(join(service.root, "tmp", "export-"));
  const helper = new LazyFsHelper();
  let mounted = false;
  let failure: unknown;
  try {
    await mountAll(mounts, target);
    mounted = true;
    yield* diffTar(target, helper);
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    const cleanup: unknown[] = [];
    await helper.close().catch((e) => cleanup.push(e));
    if (mounted) await unmountAll(target).catch((e) => cleanup.push(e));
    await rmdir(target).catch((e) => cleanup.push(e));
    if (cleanup.length > 0) {
      if (failure instanceof EngineError) failure.cleanupErrors.push(...cleanup);
      else if (failure === undefined) throw new EngineError("Internal", `export container ${containerId}: clean-up failed`, { cleanupErrors: cleanup });
    }
  }
}
