import type { CgroupFs } from "../cgroupFs.js";
import { intString, writeControl } from "../control.js";

/** hugetlb controller, v1: hugetlb.<size>.limit_in_bytes (-1 is unlimited). */
export async function applyHugetlbV1(fs: CgroupFs, dir: string, limits: { pageSize: string; limit: number }[]): Promise<void> {
  for (const [i, h] of limits.entries()) {
    await writeControl(fs, dir, `hugetlb.${h.pageSize}.limit_in_bytes`, intString(h.limit), { field: `hugepageLimits[${i}]` });
  }
}
