import type { CgroupFs } from "../cgroupFs.js";
import { readOptional } from "../control.js";

/** Controllers berth delegates to container cgroups, in the kernel's usual listing order. */
export const DELEGATED_CONTROLLERS = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"];

export async function readControllers(fs: CgroupFs, dir: string, file = "cgroup.controllers"): Promise<string[]> {
  return ((await readOptional(fs, dir, file)) ?? "").split(/\s+/).filter((c) => c !== "");
}

/**
 * Makes the controllers available to the children of `dir`: writes "+name" to its
 * cgroup.subtree_control for each delegated controller present in its cgroup.controllers and
 * not yet enabled. One controller per write, so one the kernel refuses (cpu while a realtime
 * task runs, anything in a cgroup with member processes) does not block the others; refusals
 * are returned, and the caller fails only if a controller it needs did not arrive.
 */
export async function enableSubtreeControllers(fs: CgroupFs, dir: string): Promise<Map<string, unknown>> {
  const available = new Set(await readControllers(fs, dir));
  const enabled = new Set(await readControllers(fs, dir, "cgroup.subtree_control"));
  const refused = new Map<string, unknown>();
  for (const c of DELEGATED_CONTROLLERS) {
    if (!available.has(c) || enabled.has(c)) continue;
    try {
      await fs.writeFile(`${dir}/cgroup.subtree_control`, `+${c}`);
    } catch (e) {
      refused.set(c, e);
    }
  }
  return refused;
}
