import type { ContainerDefaults, Digest, ImageConfig } from "../oci/image.js";
import type { ImageRecord } from "./metadata/ImageRecords.js";
import { familiarString, parseReference } from "./reference.js";

/**
 * Docker-shaped views of image records (the API layer serializes these as they are):
 * `GET /images/json` entries and `GET /images/{name}/json`.
 */
export interface ImageSummary {
  Id: Digest;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  /** Unix seconds. */
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string>;
  Containers: number;
}

export interface ImageInspect {
  Id: Digest;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: ContainerDefaults;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  RootFS: { Type: "layers"; Layers: Digest[] };
  Metadata: { LastTagTime: string };
  /** berth extension: the manifest digest the image was stored from. */
  ManifestDigest: Digest;
}

/** Splits canonical names into Docker's familiar RepoTags and RepoDigests. */
export function repoTagsAndDigests(names: readonly string[]): { RepoTags: string[]; RepoDigests: string[] } {
  const RepoTags: string[] = [];
  const RepoDigests: string[] = [];
  for (const n of names) {
    const ref = parseReference(n);
    if (ref.digest !== undefined) RepoDigests.push(familiarString({ ...ref, tag: undefined } as typeof ref));
    else RepoTags.push(familiarString(ref));
  }
  return { RepoTags, RepoDigests };
}

function imageSize(rec: ImageRecord): number {
  return rec.unpackedSize ?? rec.contentSize;
}

export function toSummary(rec: ImageRecord, config: ImageConfig, containers: number): ImageSummary {
  const created = config.created ? Math.floor(Date.parse(config.created) / 1000) : 0;
  return {
    Id: rec.id,
    ParentId: "",
    ...repoTagsAndDigests(rec.names),
    Created: Number.isFinite(created) ? created : 0,
    Size: imageSize(rec),
    SharedSize: -1,
    Labels: config.config?.Labels ?? {},
    Containers: containers,
  };
}

export function toInspect(rec: ImageRecord, config: ImageConfig): ImageInspect {
  const out: ImageInspect = {
    Id: rec.id,
    ...repoTagsAndDigests(rec.names),
    Parent: "",
    Comment: config.history?.[config.history.length - 1]?.comment ?? "",
    Created: config.created ?? "",
    DockerVersion: "",
    Author: config.author ?? "",
    Config: config.config ?? {},
    Architecture: config.architecture,
    Os: config.os,
    Size: imageSize(rec),
    RootFS: { Type: "layers", Layers: [...config.rootfs.diff_ids] },
    Metadata: { LastTagTime: "" },
    ManifestDigest: rec.manifestDigest,
  };
  if (config.variant) out.Variant = config.variant;
  return out;
}

/** One row of `GET /images/{name}/history`, newest first. */
export interface ImageHistoryItem {
  /** The image ID on the newest row, "<missing>" below it (as Docker does for pulled images). */
  Id: string;
  /** Unix seconds. */
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  /** Size of the layer this step made (0 for empty_layer steps). */
  Size: number;
  Comment: string;
}

/**
 * Pairs history entries with layers (entries marked empty_layer made none). `layerSizes[i]` is
 * the unpacked size of layer i, or its compressed size when not unpacked.
 */
export function toHistory(rec: ImageRecord, config: ImageConfig, layerSizes: readonly number[]): ImageHistoryItem[] {
  const rows: ImageHistoryItem[] = [];
  let layer = 0;
  const history = config.history && config.history.length > 0 ? config.history : config.rootfs.diff_ids.map(() => ({ created: config.created }));
  for (const h of history) {
    const created = h.created ? Math.floor(Date.parse(h.created) / 1000) : 0;
    const empty = "empty_layer" in h && h.empty_layer === true;
    rows.push({ Id: "<missing>", Created: Number.isFinite(created) ? created : 0, CreatedBy: ("created_by" in h ? h.created_by : undefined) ?? "", Tags: null, Size: empty ? 0 : (layerSizes[layer] ?? 0), Comment: ("comment" in h ? h.comment : undefined) ?? "" });
    if (!empty) layer++;
  }
  rows.reverse();
  if (rows[0]) {
    rows[0].Id = rec.id;
    rows[0].Tags = repoTagsAndDigests(rec.names).RepoTags;
  }
  return rows;
}
