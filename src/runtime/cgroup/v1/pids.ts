import type { CgroupStats } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { intString, parseLimit, parseNumber, readControl, writeControl } from "../control.js";

/** pids.max value for an OCI limit: -1 and 0 mean unlimited ("max"). Same file on v1 and v2. */
export function pidsMaxValue(limit: number): string {
  return limit <= 0 ? "max" : intString(limit);
}

export async function applyPids(fs: CgroupFs, dir: string, limit: number): Promise<void> {
  await writeControl(fs, dir, "pids.max", pidsMaxValue(limit), { field: "pids.limit" });
}

export async function pidsStats(fs: CgroupFs, dir: string): Promise<NonNullable<CgroupStats["pids"]>> {
  const current = parseNumber(await readControl(fs, dir, "pids.current"), "pids.current");
  const max = parseLimit(await readControl(fs, dir, "pids.max"));
  return Number.isFinite(max) ? { current, limit: max } : { current };
}
