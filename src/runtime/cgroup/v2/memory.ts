import { invalidArgument } from "../../../errors/EngineError.js";
import type { MemoryResources } from "../../../oci/runtime.js";
import type { CgroupStats } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { hasFile, intString, parseFlatKeyed, parseLimit, parseNumber, readControl, readOptional, writeControl } from "../control.js";

function isSet(v: number | undefined): v is number {
  return v !== undefined && v !== 0;
}

/** -1 is "max" in v2 files. */
export function v2Limit(n: number): string {
  return n === -1 ? "max" : intString(n);
}

/**
 * OCI swap is memory+swap (the v1 memsw meaning); memory.swap.max is swap alone. Returns the
 * memory.swap.max value, or undefined when nothing is to be written (runc's conversion).
 */
export function swapMaxValue(limit: number | undefined, swap: number | undefined): string | undefined {
  // Unlimited memory with swap not given means unlimited swap too, as on v1.
  if (limit === -1 && !isSet(swap)) return "max";
  if (!isSet(swap)) return undefined;
  if (swap === -1) return "max";
  if (!isSet(limit) || limit === -1) {
    throw invalidArgument(`memory.swap: value ${swap} needs a memory.limit (OCI swap is memory+swap; swap alone cannot be derived)`);
  }
  if (swap < limit) throw invalidArgument(`memory.swap: value ${swap} is below memory.limit ${limit} (OCI swap is memory+swap)`);
  return intString(swap - limit);
}

/** memory controller, v2: memory.max, memory.swap.max, memory.low (reservation). */
export async function applyMemoryV2(fs: CgroupFs, dir: string, m: MemoryResources): Promise<void> {
  if (m.swappiness !== undefined) throw invalidArgument(`memory.swappiness: value ${m.swappiness} not supported on cgroup v2 (no per-cgroup swappiness)`);
  if (m.disableOOMKiller) throw invalidArgument("memory.disableOOMKiller: not supported on cgroup v2 (the kernel has no per-cgroup OOM-killer switch)");
  if (isSet(m.kernelTCP)) throw invalidArgument(`memory.kernelTCP: value ${m.kernelTCP} not supported on cgroup v2 (TCP memory is part of memory.max)`);
  if (m.useHierarchy === false) throw invalidArgument("memory.useHierarchy: false not supported on cgroup v2 (accounting is always hierarchical)");
  const swapMax = swapMaxValue(m.limit, m.swap);
  if (swapMax !== undefined && !(await hasFile(fs, dir, "memory.swap.max"))) {
    // Unlimited-everything on a host without swap accounting is simply the default.
    if (swapMax !== "max" || isSet(m.swap)) throw invalidArgument(`memory.swap: value ${m.swap} cannot be applied: memory.swap.max is missing (kernel without swap accounting)`);
  }
  if (m.checkBeforeUpdate && isSet(m.limit) && m.limit > 0) {
    const usage = parseNumber(await readControl(fs, dir, "memory.current"), "memory.current");
    if (m.limit < usage) throw invalidArgument(`memory.limit: value ${m.limit} is below current usage ${usage}`);
  }
  if (isSet(m.limit)) await writeControl(fs, dir, "memory.max", v2Limit(m.limit), { field: "memory.limit" });
  if (swapMax !== undefined && (await hasFile(fs, dir, "memory.swap.max"))) await writeControl(fs, dir, "memory.swap.max", swapMax, { field: "memory.swap" });
  if (isSet(m.reservation)) await writeControl(fs, dir, "memory.low", v2Limit(m.reservation), { field: "memory.reservation" });
}

export async function memoryStatsV2(fs: CgroupFs, dir: string): Promise<NonNullable<CgroupStats["memory"]>> {
  const stat = parseFlatKeyed(await readControl(fs, dir, "memory.stat"));
  const events = parseFlatKeyed((await readOptional(fs, dir, "memory.events")) ?? "");
  const peak = await readOptional(fs, dir, "memory.peak");
  const swap = await readOptional(fs, dir, "memory.swap.current");
  return {
    usage: parseNumber(await readControl(fs, dir, "memory.current"), "memory.current"),
    limit: parseLimit(await readControl(fs, dir, "memory.max")),
    ...(peak !== undefined ? { maxUsage: parseNumber(peak, "memory.peak") } : {}),
    cache: stat.get("file") ?? 0,
    rss: stat.get("anon") ?? 0,
    ...(swap !== undefined ? { swap: parseNumber(swap, "memory.swap.current") } : {}),
    oomKills: events.get("oom_kill") ?? 0,
    stat: Object.fromEntries(stat),
  };
}
