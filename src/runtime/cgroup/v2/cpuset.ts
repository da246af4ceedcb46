import type { CpuResources } from "../../../oci/runtime.js";
import type { CgroupFs } from "../cgroupFs.js";
import { requireSubset } from "../cpuList.js";
import { readControl, writeControl } from "../control.js";

/** cpuset controller, v2: cpus/mems checked against the parent's effective sets, then written. */
export async function applyCpusetV2(fs: CgroupFs, dir: string, parent: string, c: CpuResources): Promise<void> {
  if (c.cpus) {
    requireSubset(c.cpus, await readControl(fs, parent, "cpuset.cpus.effective"), "cpu.cpus", "effective cpus");
    await writeControl(fs, dir, "cpuset.cpus", c.cpus, { field: "cpu.cpus" });
  }
  if (c.mems) {
    requireSubset(c.mems, await readControl(fs, parent, "cpuset.mems.effective"), "cpu.mems", "effective mems");
    await writeControl(fs, dir, "cpuset.mems", c.mems, { field: "cpu.mems" });
  }
}
