/** Wire types of the image routes (moby api/types/image). */
import type { ContainerConfig, GraphDriverData } from "./container.js";
import type { AuthConfig } from "./system.js";

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  /** Deprecated: always -1... kept for old clients (moby omits it from 1.44 on). */
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
  Manifests?: unknown[];
  Descriptor?: unknown;
}

export interface ImageInspect {
  Id: string;
  Descriptor?: unknown;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  /** Deprecated, served below API 1.45 only (moby): always "" here. */
  Container?: string;
  /** Deprecated, served below API 1.45 only (moby); docker-compose 1.x reads its Volumes. */
  ContainerConfig?: ContainerConfig;
  DockerVersion: string;
  Author: string;
  Config: ContainerConfig | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  /** Deprecated, served below API 1.44 only (moby): equal to Size. */
  VirtualSize?: number;
  GraphDriver: GraphDriverData;
  RootFS: { Type: string; Layers?: string[] };
  Metadata: { LastTagTime?: string };
}

export interface ImageHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** DELETE /images/{name} response element: one of the two keys. */
export interface ImageDeleteResponseItem { Untagged?: string; Deleted?: string }

export interface ImagePruneResponse { ImagesDeleted: ImageDeleteResponseItem[] | null; SpaceReclaimed: number }

export interface ImageListOptions {
  all: boolean;
  filters: ReadonlyMap<string, ReadonlySet<string>>;
  sharedSize: boolean;
  digests: boolean;
  manifests: boolean;
}

/** POST /images/create when pulling (fromImage). */
export interface ImagePullOptions {
  fromImage: string;
  tag?: string;
  platform?: string;
  /** Credentials decoded from X-Registry-Auth, if the client sent any. */
  auth?: AuthConfig;
}

/** POST /images/create when importing a tarball (fromSrc). */
export interface ImageImportOptions {
  fromSrc: string;
  repo?: string;
  tag?: string;
  message?: string;
  changes: string[];
  platform?: string;
}

export interface ImagePushOptions {
  name: string;
  tag?: string;
  platform?: string;
  auth?: AuthConfig;
}
