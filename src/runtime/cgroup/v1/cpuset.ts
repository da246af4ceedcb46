import type { CpuResources } from "../../../oci/runtime.js";
import type { CgroupFs } from "../cgroupFs.js";
import { requireSubset } from "../cpuList.js";
import { readControl, readOptional, writeControl } from "../control.js";

/**
 * cpuset controller, v1. A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks
 * until both are set, so every level is filled from its parent as it is made.
 */
export async function initCpusetV1(fs: CgroupFs, dir: string, parent: string): Promise<void> {
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    if ((await readControl(fs, dir, file)) !== "") continue;
    const value = await readControl(fs, parent, file);
    await writeControl(fs, dir, file, value, { field: `${file} (copied from parent ${parent})` });
  }
}

/** Writes cpus/mems after checking they lie within the parent's effective sets. */
export async function applyCpusetV1(fs: CgroupFs, dir: string, parent: string, c: CpuResources): Promise<void> {
  if (c.cpus !== undefined && c.cpus !== "") {
    const allowed = (await readOptional(fs, parent, "cpuset.effective_cpus")) ?? (await readControl(fs, parent, "cpuset.cpus"));
    requireSubset(c.cpus, allowed, "cpu.cpus", "effective cpus");
    await writeControl(fs, dir, "cpuset.cpus", c.cpus, { field: "cpu.cpus" });
  }
  if (c.mems !== undefined && c.mems !== "") {
    const allowed = (await readOptional(fs, parent, "cpuset.effective_mems")) ?? (await readControl(fs, parent, "cpuset.mems"));
    requireSubset(c.mems, allowed, "cpu.mems", "effective mems");
    await writeControl(fs, dir, "cpuset.mems", c.mems, { field: "cpu.mems" });
  }
}
