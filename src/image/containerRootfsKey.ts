import { validateId } from "../util/ids.js";

/** Snapshot key of a container's writable layer (the id is validated: it names a snapshot). */
export const CONTAINER_SNAPSHOT_PREFIX = "container-";

export function containerSnapshotKey(containerId: string): string {
  return `${CONTAINER_SNAPSHOT_PREFIX}${validateId(containerId)}`;
}
