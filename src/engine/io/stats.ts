import { readFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import type { StatsResponse } from "../../api/types/container.js";
import type { CgroupStats } from "../../runtime/cgroup/CgroupManager.js";
import { ZERO_TIME } from "../containers/ContainerRecord.js";

/** Clock ticks per second of /proc/stat (USER_HZ: 100 on every Linux ABI Node runs on). */
const USER_HZ = 100n;
/** Docker's sampling interval for streamed stats. */
export const STATS_INTERVAL_MS = 1000;

/** One reading: the cgroup's numbers with the host's cpu time at the same moment. */
export interface StatsSample {
  read: string;
  cgroup: CgroupStats;
  /** Host cpu time in ns (sum of /proc/stat's first cpu line), Docker's system_cpu_usage. */
  systemCpuNs: number;
  onlineCpus: number;
}

/** Host cpu time as Docker computes it: the `cpu` line's user..steal fields, in ns. */
export async function systemCpuUsageNs(procStat = "/proc/stat"): Promise<number> {
  const text = await readFile(procStat, "utf8");
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return 0;
  const fields = line.trim().split(/\s+/).slice(1, 8).map((f) => BigInt(f));
  const ticks = fields.reduce((a, b) => a + b, 0n);
  return Number((ticks * 1_000_000_000n) / USER_HZ);
}

export async function takeSample(read: () => Promise<CgroupStats>): Promise<StatsSample> {
  const [cgroup, systemCpuNs] = await Promise.all([read(), systemCpuUsageNs()]);
  const perCpu = cgroup.cpu?.perCpuNs?.length;
  return { read: new Date().toISOString(), cgroup, systemCpuNs, onlineCpus: perCpu && perCpu > 0 ? Math.min(perCpu, cpus().length) : cpus().length };
}

function cpuStats(s: StatsSample | undefined): Record<string, unknown> {
  if (!s) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  const c = s.cgroup.cpu;
  const usage: Record<string, unknown> = { total_usage: c?.usageNs ?? 0, usage_in_kernelmode: c?.systemNs ?? 0, usage_in_usermode: c?.userNs ?? 0 };
  if (c?.perCpuNs) usage.percpu_usage = c.perCpuNs;
  return {
    cpu_usage: usage,
    system_cpu_usage: s.systemCpuNs,
    online_cpus: s.onlineCpus,
    throttling_data: { periods: c?.periods ?? 0, throttled_periods: c?.throttledPeriods ?? 0, throttled_time: c?.throttledNs ?? 0 },
  };
}

/**
 * Docker's StatsResponse (API types/container StatsResponse, cgroup v1 shape on v1 hosts) from
 * a sample and the one before it (precpu_stats; absent for the first). An unlimited memory
 * cgroup reports the host's memory as its limit, as Docker does.
 */
export function toStatsResponse(cur: StatsSample, prev: StatsSample | undefined, who: { id: string; name: string }): StatsResponse {
  const m = cur.cgroup.memory;
  const memory: Record<string, unknown> = {};
  if (m) {
    memory.usage = m.usage;
    if (m.maxUsage !== undefined) memory.max_usage = m.maxUsage;
    if (m.stat) memory.stats = m.stat;
    if (m.failcnt !== undefined) memory.failcnt = m.failcnt;
    memory.limit = Number.isFinite(m.limit) ? Math.min(m.limit, totalmem()) : totalmem();
  }
  const io = cur.cgroup.io;
  const blkio: Record<string, unknown> = {
    io_service_bytes_recursive: io?.devices?.flatMap((d) => [
      { major: d.major, minor: d.minor, op: "read", value: d.readBytes },
      { major: d.major, minor: d.minor, op: "write", value: d.writeBytes },
    ]) ?? null,
    io_serviced_recursive: io?.devices?.flatMap((d) => [
      { major: d.major, minor: d.minor, op: "read", value: d.readOps },
      { major: d.major, minor: d.minor, op: "write", value: d.writeOps },
    ]) ?? null,
    io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null,
    io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
  };
  const pids: StatsResponse["pids_stats"] = {};
  if (cur.cgroup.pids) {
    pids.current = cur.cgroup.pids.current;
    if (cur.cgroup.pids.limit !== undefined && Number.isFinite(cur.cgroup.pids.limit)) pids.limit = cur.cgroup.pids.limit;
  }
  return {
    name: `/${who.name}`,
    id: who.id,
    read: cur.read,
    preread: prev?.read ?? ZERO_TIME,
    pids_stats: pids,
    blkio_stats: blkio,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: prev ? cpuStats(prev) : cpuStats(undefined),
    memory_stats: memory,
  };
}

/** A stopped container's stats: Docker answers with zeroes (and the read times unset). */
export function emptyStats(who: { id: string; name: string }): StatsResponse {
  return {
    name: `/${who.name}`, id: who.id, read: ZERO_TIME, preread: ZERO_TIME, pids_stats: {}, blkio_stats: {}, num_procs: 0,
    storage_stats: {}, cpu_stats: cpuStats(undefined), precpu_stats: cpuStats(undefined), memory_stats: {},
  };
}

export interface StatsStreamOptions {
  stream: boolean;
  oneShot: boolean;
  read: () => Promise<CgroupStats>;
  /** False once the container stopped: the stream ends (Docker ends it too). */
  running: () => Promise<boolean>;
  who: { id: string; name: string };
  signal: AbortSignal;
  intervalMs?: number;
}

/**
 * The stats stream: one object per interval while `stream`; otherwise one object, taken after
 * a second sample so precpu_stats is filled (Docker's stream=false), or at once with `oneShot`.
 */
export async function* statsStream(o: StatsStreamOptions): AsyncGenerator<StatsResponse> {
  const interval = o.intervalMs ?? STATS_INTERVAL_MS;
  let prev: StatsSample | undefined;
  if (!o.stream) {
    const first = await takeSample(o.read);
    if (o.oneShot) { yield toStatsResponse(first, undefined, o.who); return; }
    await sleep(interval, o.signal);
    if (o.signal.aborted) return;
    const second = await takeSample(o.read).catch(() => undefined);
    yield second ? toStatsResponse(second, first, o.who) : toStatsResponse(first, undefined, o.who);
    return;
  }
  for (;;) {
    if (o.signal.aborted) return;
    let cur: StatsSample;
    try {
      cur = await takeSample(o.read);
    } catch (e) {
      if (!(await o.running())) return; // the cgroup went away with the container
      throw e;
    }
    yield toStatsResponse(cur, prev, o.who);
    prev = cur;
    await sleep(interval, o.signal);
    if (!(await o.running())) return;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener("abort", done); resolve(); }
    signal.addEventListener("abort", done, { once: true });
  });
}
