import { join } from "node:path";
import { EngineError, wrapError } from "../../../errors/EngineError.js";
import type { CgroupFs } from "../cgroupFs.js";
import { parseCgroupMounts, type CgroupMount } from "../mountinfo.js";

/** One mounted cgroup hierarchy: a v1 hierarchy, or (hybrid mode) the controller-less cgroup2 mount. */
export interface V1Hierarchy {
  /** Host path of the mount point, under the manager's root. */
  mountPoint: string;
  /** v1 controllers ("cpu", "cpuacct", "name=systemd"); empty for the hybrid cgroup2 mount. */
  controllers: string[];
  /** True for the hybrid cgroup2 mount (tracks processes; carries no v1 controllers). */
  unified: boolean;
}

/**
 * All hierarchies from `<root>/proc/self/mountinfo`: every v1 hierarchy (combined ones such as
 * cpu,cpuacct and named ones such as name=systemd included) plus, in hybrid mode, the cgroup2
 * mount, which a container joins too so systemd-style tracking sees it.
 */
export async function findV1Hierarchies(fs: CgroupFs, root: string): Promise<V1Hierarchy[]> {
  let text: string;
  try {
    text = await fs.readFile(join(root, "proc/self/mountinfo"));
  } catch (e) {
    throw wrapError(e, "find cgroup v1 hierarchies");
  }
  return v1Hierarchies(parseCgroupMounts(text), root);
}

/** The hierarchies among parsed cgroup mounts; mount points are prefixed with `root`. */
export function v1Hierarchies(mounts: CgroupMount[], root: string): V1Hierarchy[] {
  const out: V1Hierarchy[] = mounts.map((m) => ({ mountPoint: join(root, m.mountPoint), controllers: m.controllers, unified: m.fsType === "cgroup2" }));
  if (!out.some((h) => !h.unified)) throw new EngineError("Unavailable", "find cgroup v1 hierarchies: no cgroup v1 hierarchy is mounted");
  return out;
}
