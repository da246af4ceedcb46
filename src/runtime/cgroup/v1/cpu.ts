import type { CpuResources } from "../../../oci/runtime.js";
import type { CgroupStats } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { errnoOf, intString, parseFlatKeyed, readOptional, writeControl } from "../control.js";

/**
 * cpu controller, v1: shares, CFS quota/period/burst, realtime runtime/period, idle.
 * Values were range-checked by validateResources; 0 means "not set".
 */
export async function applyCpuV1(fs: CgroupFs, dir: string, c: CpuResources): Promise<void> {
  if (c.shares) await writeControl(fs, dir, "cpu.shares", intString(c.shares), { field: "cpu.shares" });
  // A smaller period can be refused while the old quota would exceed the parent's bandwidth;
  // then the quota goes first and the period is retried after it (runc's order).
  let periodPending = false;
  if (c.period) {
    try {
      await fs.writeFile(`${dir}/cpu.cfs_period_us`, intString(c.period));
    } catch (e) {
      if (errnoOf(e) !== "EINVAL" || !c.quota) {
        await writeControl(fs, dir, "cpu.cfs_period_us", intString(c.period), { field: "cpu.period" });
      }
      periodPending = true;
    }
  }
  if (c.quota) {
    await writeControl(fs, dir, "cpu.cfs_quota_us", intString(c.quota), { field: "cpu.quota" });
    if (periodPending) await writeControl(fs, dir, "cpu.cfs_period_us", intString(c.period!), { field: "cpu.period" });
  }
  if (c.burst !== undefined) await writeControl(fs, dir, "cpu.cfs_burst_us", intString(c.burst), { field: "cpu.burst" });
  if (c.realtimePeriod) await writeControl(fs, dir, "cpu.rt_period_us", intString(c.realtimePeriod), { field: "cpu.realtimePeriod" });
  if (c.realtimeRuntime !== undefined) await writeControl(fs, dir, "cpu.rt_runtime_us", intString(c.realtimeRuntime), { field: "cpu.realtimeRuntime" });
  if (c.idle !== undefined) await writeControl(fs, dir, "cpu.idle", intString(c.idle), { field: "cpu.idle" });
}

/** Throttling counters from cpu.stat (throttled_time is in ns on v1). */
export async function cpuThrottlingV1(fs: CgroupFs, dir: string): Promise<Pick<NonNullable<CgroupStats["cpu"]>, "periods" | "throttledPeriods" | "throttledNs">> {
  const text = await readOptional(fs, dir, "cpu.stat");
  if (text === undefined) return {};
  const s = parseFlatKeyed(text);
  return { periods: s.get("nr_periods") ?? 0, throttledPeriods: s.get("nr_throttled") ?? 0, throttledNs: s.get("throttled_time") ?? 0 };
}
