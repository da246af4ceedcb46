import type { CpuResources } from "../../../oci/runtime.js";
import type { CgroupFs } from "../cgroupFs.js";
import { requireSubset } from "../cpuList.js";
import { readControl, readOptional, writeControl } from "../control.js";

/** A level's cpus and mems, as initCpusetV1 left them (so the next level need not read them back). */
export interface CpusetValues {
  cpus: string;
  mems: string;
}

/**
 * cpuset controller, v1. A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks
 * until both are set, so every level is filled from its parent as it is made. `made`: the
 * directory was just created, so its own values are empty (or, with cgroup.clone_children,
 * already the parent's): they are written without being read first. `parentValues`: what this
 * function returned for the parent level, instead of reading them again. Returns this level's.
 */
export async function initCpusetV1(fs: CgroupFs, dir: string, parent: string, made = false, parentValues?: CpusetValues): Promise<CpusetValues> {
  const out: CpusetValues = { cpus: "", mems: "" };
  for (const key of ["cpus", "mems"] as const) {
    const file = `cpuset.${key}`;
    const own = made ? "" : await readControl(fs, dir, file);
    if (own !== "") {
      out[key] = own;
      continue;
    }
    const value = parentValues?.[key] || (await readControl(fs, parent, file));
    await writeControl(fs, dir, file, value, { field: `${file} (copied from parent ${parent})` });
    out[key] = value;
  }
  return out;
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
