import type { CgroupFs } from "../cgroupFs.js";
import { writeControl } from "../control.js";
import { v2Limit } from "./memory.js";

/** hugetlb controller, v2: hugetlb.<size>.max ("max" for -1). */
export async function applyHugetlbV2(fs: CgroupFs, dir: string, limits: { pageSize: string; limit: number }[]): Promise<void> {
  for (const [i, h] of limits.entries()) {
    await writeControl(fs, dir, `hugetlb.${h.pageSize}.max`, v2Limit(h.limit), { field: `hugepageLimits[${i}]` });
  }
}
