import { invalidArgument } from "../../../errors/EngineError.js";
import type { MemoryResources } from "../../../oci/runtime.js";
import type { CgroupStats } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { hasFile, intString, parseFlatKeyed, parseLimit, parseNumber, readControl, readOptional, writeControl } from "../control.js";

const LIMIT = "memory.limit_in_bytes";
const MEMSW = "memory.memsw.limit_in_bytes";
const BELOW_USAGE = "below the cgroup's current memory usage (the kernel could not reclaim enough)";

/** "Not set" in OCI: undefined or 0 (runc's convention; Docker sends 0 for "no limit given"). */
function isSet(v: number | undefined): v is number {
  return v !== undefined && v !== 0;
}

/**
 * memory controller, v1. OCI `swap` is memory+swap, which is exactly what memsw.limit_in_bytes
 * holds. The kernel keeps memsw >= limit at every moment, so the two writes are ordered by
 * direction: raising writes memsw first, lowering writes the limit first (runc's order).
 */
export async function applyMemoryV1(fs: CgroupFs, dir: string, m: MemoryResources): Promise<void> {
  let swap = m.swap;
  const hasMemsw = await hasFile(fs, dir, MEMSW);
  // -1 memory with no swap given means "no limit at all": lift memsw too, or it would cap memory.
  if (m.limit === -1 && !isSet(swap) && hasMemsw) swap = -1;
  if (isSet(swap) && !hasMemsw) {
    throw invalidArgument(`memory.swap: value ${swap} cannot be applied: ${MEMSW} is missing (kernel without swap accounting)`);
  }
  if (m.checkBeforeUpdate && isSet(m.limit) && m.limit > 0) {
    const usage = parseNumber(await readControl(fs, dir, "memory.usage_in_bytes"), "memory.usage_in_bytes");
    if (m.limit < usage) throw invalidArgument(`memory.limit: value ${m.limit} is below current usage ${usage}`);
  }
  const writeLimit = async () => {
    try {
      await writeControl(fs, dir, LIMIT, intString(m.limit!), { field: "memory.limit", busyMeans: BELOW_USAGE });
    } catch (e) {
      if (hasMemsw && !isSet(swap) && (e as Error).message.includes("EINVAL")) {
        throw invalidArgument(`memory.limit: value ${m.limit} exceeds the current memory+swap limit; set memory.swap as well`, { cause: e });
      }
      throw e;
    }
  };
  const writeSwap = () => writeControl(fs, dir, MEMSW, intString(swap!), { field: "memory.swap", busyMeans: BELOW_USAGE });
  if (isSet(swap)) {
    const current = parseLimit(await readControl(fs, dir, LIMIT));
    const raising = swap === -1 || current < swap;
    if (raising) {
      await writeSwap();
      if (isSet(m.limit)) await writeLimit();
    } else {
      if (isSet(m.limit)) await writeLimit();
      await writeSwap();
    }
  } else if (isSet(m.limit)) {
    await writeLimit();
  }
  if (isSet(m.reservation)) await writeControl(fs, dir, "memory.soft_limit_in_bytes", intString(m.reservation), { field: "memory.reservation" });
  if (isSet(m.kernelTCP)) await writeControl(fs, dir, "memory.kmem.tcp.limit_in_bytes", intString(m.kernelTCP), { field: "memory.kernelTCP" });
  if (m.swappiness !== undefined) await writeControl(fs, dir, "memory.swappiness", intString(m.swappiness), { field: "memory.swappiness" });
  if (m.disableOOMKiller !== undefined) await writeControl(fs, dir, "memory.oom_control", m.disableOOMKiller ? "1" : "0", { field: "memory.disableOOMKiller" });
  if (m.useHierarchy !== undefined) await writeControl(fs, dir, "memory.use_hierarchy", m.useHierarchy ? "1" : "0", { field: "memory.useHierarchy" });
}

export async function memoryStatsV1(fs: CgroupFs, dir: string): Promise<NonNullable<CgroupStats["memory"]>> {
  const stat = parseFlatKeyed(await readControl(fs, dir, "memory.stat"));
  const oom = parseFlatKeyed((await readOptional(fs, dir, "memory.oom_control")) ?? "");
  const usage = parseNumber(await readControl(fs, dir, "memory.usage_in_bytes"), "memory.usage_in_bytes");
  const maxUsage = await readOptional(fs, dir, "memory.max_usage_in_bytes");
  const failcnt = await readOptional(fs, dir, "memory.failcnt");
  // Hierarchical totals (total_*) include child cgroups, which is what a container's usage means.
  let swap = stat.get("total_swap") ?? stat.get("swap");
  if (swap === undefined) {
    const memsw = await readOptional(fs, dir, "memory.memsw.usage_in_bytes");
    if (memsw !== undefined) swap = Math.max(0, parseNumber(memsw, "memory.memsw.usage_in_bytes") - usage);
  }
  return {
    usage,
    limit: parseLimit(await readControl(fs, dir, LIMIT)),
    ...(maxUsage !== undefined ? { maxUsage: parseNumber(maxUsage, "memory.max_usage_in_bytes") } : {}),
    cache: stat.get("total_cache") ?? stat.get("cache") ?? 0,
    rss: stat.get("total_rss") ?? stat.get("rss") ?? 0,
    ...(swap !== undefined ? { swap } : {}),
    oomKills: oom.get("oom_kill") ?? 0,
    ...(failcnt !== undefined ? { failcnt: parseNumber(failcnt, "memory.failcnt") } : {}),
    stat: Object.fromEntries(stat),
  };
}
