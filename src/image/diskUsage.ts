import type { Digest } from "../oci/image.js";
import { chainIds } from "./chainid.js";
import type { ImageService } from "./ImageService.js";
import { repoTagsAndDigests } from "./imageViews.js";

/**
 * `docker system df` for the image side: per image its unpacked size, how much of it is shared
 * with other images (layers, i.e. ChainIDs, used by more than one) and how much is its own;
 * per container the size of its writable layer; and the totals of the content store and of all
 * layer snapshots (each counted once).
 */
export interface ImageDiskUsage {
  Id: Digest;
  RepoTags: string[];
  RepoDigests: string[];
  Size: number;
  SharedSize: number;
  UniqueSize: number;
  /** Bytes of the image's blobs in the content store (compressed layers, config, manifest). */
  ContentSize: number;
  Containers: number;
}

export interface ContainerDiskUsage {
  ContainerId: string;
  ImageId: Digest;
  /** Size of the writable (upper) layer. */
  SizeRw: number;
}

export interface DiskUsage {
  LayersSize: number;
  ContentSize: number;
  Images: ImageDiskUsage[];
  Containers: ContainerDiskUsage[];
}

export async function imageDiskUsage(service: ImageService): Promise<DiskUsage> {
  const committed = new Map<string, number>();
  for (const s of await service.snapshotter.list()) if (s.kind === "committed") committed.set(s.key, (await service.snapshotter.usage(s.key)).size);
  const chainsById = new Map<Digest, Digest[]>();
  const refs = new Map<Digest, number>();
  const records = service.records.list();
  for (const r of records) {
    const chain = chainIds((await service.imageConfig(r)).rootfs.diff_ids);
    chainsById.set(r.id, chain);
    for (const c of new Set(chain)) refs.set(c, (refs.get(c) ?? 0) + 1);
  }
  const Images: ImageDiskUsage[] = records.map((r) => {
    let size = 0;
    let shared = 0;
    for (const c of chainsById.get(r.id) ?? []) {
      const s = committed.get(c) ?? 0;
      size += s;
      if ((refs.get(c) ?? 0) > 1) shared += s;
    }
    return { Id: r.id, ...repoTagsAndDigests(r.names), Size: size, SharedSize: shared, UniqueSize: size - shared, ContentSize: r.contentSize, Containers: service.records.users(r.id).length };
  });
  const Containers: ContainerDiskUsage[] = [];
  for (const u of service.records.users()) {
    const usage = await service.snapshotter.usage(u.snapshotKey).catch(() => ({ size: 0 }));
    Containers.push({ ContainerId: u.containerId, ImageId: u.imageId, SizeRw: usage.size });
  }
  let ContentSize = 0;
  for (const b of await service.content.list()) ContentSize += b.size;
  return { LayersSize: [...committed.values()].reduce((a, b) => a + b, 0), ContentSize, Images, Containers };
}
