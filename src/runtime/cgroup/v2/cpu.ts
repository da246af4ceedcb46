import { invalidArgument } from "../../../errors/EngineError.js";
import type { CpuResources } from "../../../oci/runtime.js";
import type { CgroupStats } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { intString, parseFlatKeyed, readControl, readOptional, writeControl } from "../control.js";

/** v1 shares (2..262144) to v2 weight (1..10000), the formula runc and crun share. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** The kernel's default period when none was ever set. */
const DEFAULT_PERIOD = 100000;

/**
 * cpu.max is "quota period" in one file. A quota-only or period-only update keeps the other
 * half as it is (runc resets a missing quota to "max", which would lift a limit on a period
 * change).
 */
export function cpuMaxValue(c: CpuResources, current: string | undefined): string | undefined {
  if (!c.quota && !c.period) return undefined;
  const [curQuota, curPeriod] = (current ?? `max ${DEFAULT_PERIOD}`).split(/\s+/);
  const quota = c.quota ? (c.quota === -1 ? "max" : intString(c.quota)) : (curQuota ?? "max");
  const period = c.period ? intString(c.period) : (curPeriod ?? String(DEFAULT_PERIOD));
  return `${quota} ${period}`;
}

/** cpu controller, v2: cpu.weight, cpu.max, cpu.max.burst, cpu.idle. Realtime has no v2 interface. */
export async function applyCpuV2(fs: CgroupFs, dir: string, c: CpuResources): Promise<void> {
  if (c.realtimeRuntime !== undefined || c.realtimePeriod) {
    throw invalidArgument("cpu.realtimeRuntime/realtimePeriod: realtime scheduling limits are not supported on cgroup v2");
  }
  if (c.shares) await writeControl(fs, dir, "cpu.weight", String(sharesToWeight(c.shares)), { field: "cpu.shares" });
  const max = cpuMaxValue(c, c.quota && c.period ? undefined : await readOptional(fs, dir, "cpu.max"));
  if (max !== undefined) await writeControl(fs, dir, "cpu.max", max, { field: c.quota ? "cpu.quota" : "cpu.period" });
  if (c.burst !== undefined) await writeControl(fs, dir, "cpu.max.burst", intString(c.burst), { field: "cpu.burst" });
  if (c.idle !== undefined) await writeControl(fs, dir, "cpu.idle", intString(c.idle), { field: "cpu.idle" });
}

/** cpu.stat: everything in microseconds on v2; converted to ns. No per-cpu figures on v2. */
export async function cpuStatsV2(fs: CgroupFs, dir: string): Promise<NonNullable<CgroupStats["cpu"]>> {
  const s = parseFlatKeyed(await readControl(fs, dir, "cpu.stat"));
  const ns = (k: string) => (s.get(k) ?? 0) * 1000;
  const throttling = s.has("nr_periods")
    ? { periods: s.get("nr_periods") ?? 0, throttledPeriods: s.get("nr_throttled") ?? 0, throttledNs: ns("throttled_usec") }
    : {};
  return { usageNs: ns("usage_usec"), userNs: ns("user_usec"), systemNs: ns("system_usec"), ...throttling };
}
