import type { CgroupManager } from "./cgroup/CgroupManager.js";

/** Where berth puts containers' cgroups unless the spec says otherwise (`/berth/<id>`). */
export const DEFAULT_CGROUP_PARENT = "/berth";

export const defaultCgroupPath = (id: string) => `${DEFAULT_CGROUP_PARENT}/${id}`;

/**
 * Removes a container's cgroup, and berth's own shared parent once its last container is gone,
 * so nothing berth made stays behind (unless `keepParent`: an owner that keeps it while it
 * runs, see RuntimeContext.keepCgroupParent). A parent the spec chose is never touched: berth
 * did not necessarily make it.
 */
export async function destroyContainerCgroup(cg: CgroupManager, path: string, opts: { keepParent?: boolean } = {}): Promise<void> {
  await cg.destroy(path);
  if (opts.keepParent) return;
  const parent = path.replace(/\/+[^/]+\/*$/, "");
  if (parent === DEFAULT_CGROUP_PARENT) await cg.removeIfEmpty?.(parent);
}

/**
 * Removes berth's shared parent if no container (of this or another berth) uses it: what an
 * owner with RuntimeContext.keepCgroupParent calls when it stops. Busy or missing is success.
 */
export async function releaseCgroupParent(cg: CgroupManager): Promise<void> {
  await cg.removeIfEmpty?.(DEFAULT_CGROUP_PARENT);
}
