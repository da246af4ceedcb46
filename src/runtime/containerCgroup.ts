import type { CgroupManager } from "./cgroup/CgroupManager.js";

/** Where berth puts containers' cgroups unless the spec says otherwise (`/berth/<id>`). */
export const DEFAULT_CGROUP_PARENT = "/berth";

export const defaultCgroupPath = (id: string) => `${DEFAULT_CGROUP_PARENT}/${id}`;

/**
 * Removes a container's cgroup, and berth's own shared parent once its last container is gone,
 * so nothing berth made stays behind. A parent the spec chose is never touched: berth did not
 * necessarily make it.
 */
export async function destroyContainerCgroup(cg: CgroupManager, path: string): Promise<void> {
  await cg.destroy(path);
  const parent = path.replace(/\/+[^/]+\/*$/, "");
  if (parent === DEFAULT_CGROUP_PARENT) await cg.removeIfEmpty?.(parent);
}
