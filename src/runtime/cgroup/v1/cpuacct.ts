import type { CgroupStats } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { parseFlatKeyed, parseNumber, readControl, readOptional } from "../control.js";

/** cpuacct.stat counts in USER_HZ, which the kernel fixes at 100 for user space on every arch. */
const NS_PER_USER_HZ_TICK = 1_000_000_000 / 100;

/** cpuacct (accounting only, v1): total ns, user/system split, per-cpu ns. */
export async function cpuacctStatsV1(fs: CgroupFs, dir: string): Promise<Pick<NonNullable<CgroupStats["cpu"]>, "usageNs" | "userNs" | "systemNs" | "perCpuNs">> {
  const usageNs = parseNumber(await readControl(fs, dir, "cpuacct.usage"), "cpuacct.usage");
  const stat = parseFlatKeyed(await readControl(fs, dir, "cpuacct.stat"));
  const percpu = await readOptional(fs, dir, "cpuacct.usage_percpu");
  return {
    usageNs,
    userNs: (stat.get("user") ?? 0) * NS_PER_USER_HZ_TICK,
    systemNs: (stat.get("system") ?? 0) * NS_PER_USER_HZ_TICK,
    ...(percpu !== undefined ? { perCpuNs: percpu.split(/\s+/).filter((x) => x !== "").map((x) => parseNumber(x, "cpuacct.usage_percpu")) } : {}),
  };
}
