/** `docker stats` numbers from a stats sample, computed as the docker CLI does. */
import type { StatsResponse } from "../api/types/container.js";
import { bytesSize, humanSize, shortId } from "./format.js";
import type { FormatSpec, Row } from "./formatter.js";
import { STRICT } from "./template/execute.js";

export const STATS_FORMAT: FormatSpec = {
  defaultTable: "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
  headers: { ID: "CONTAINER ID", Container: "CONTAINER", Name: "NAME", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT", MemPerc: "MEM %", NetIO: "NET I/O", BlockIO: "BLOCK I/O", PIDs: "PIDS" },
};

type Num = number | undefined;
const n = (v: unknown): number => (typeof v === "number" ? v : 0);

export function cpuPercent(s: StatsResponse): number {
  const cpu = s.cpu_stats as { cpu_usage?: { total_usage?: Num; percpu_usage?: number[] }; system_cpu_usage?: Num; online_cpus?: Num };
  const pre = s.precpu_stats as { cpu_usage?: { total_usage?: Num }; system_cpu_usage?: Num };
  const cpuDelta = n(cpu.cpu_usage?.total_usage) - n(pre.cpu_usage?.total_usage);
  const sysDelta = n(cpu.system_cpu_usage) - n(pre.system_cpu_usage);
  const online = n(cpu.online_cpus) || cpu.cpu_usage?.percpu_usage?.length || 0;
  return sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * online * 100 : 0;
}

/** Memory in use without the page cache (cgroup v1 total_inactive_file, v2 inactive_file). */
export function memoryUsed(s: StatsResponse): number {
  const m = s.memory_stats as { usage?: Num; stats?: Record<string, number> };
  const usage = n(m.usage);
  const st = m.stats ?? {};
  const cache = st.total_inactive_file ?? st.inactive_file ?? 0;
  return cache < usage ? usage - cache : usage;
}

export function statsRow(s: StatsResponse, container: string, o: { trunc: boolean }): Row {
  const used = memoryUsed(s);
  const limit = n((s.memory_stats as { limit?: Num }).limit);
  let rx = 0;
  let tx = 0;
  for (const net of Object.values(s.networks ?? {})) { rx += n(net.rx_bytes); tx += n(net.tx_bytes); }
  let read = 0;
  let write = 0;
  for (const e of ((s.blkio_stats as { io_service_bytes_recursive?: { op: string; value: number }[] | null }).io_service_bytes_recursive ?? [])) {
    if (/^read$/i.test(e.op)) read += e.value;
    else if (/^write$/i.test(e.op)) write += e.value;
  }
  const id = s.id ?? container;
  return {
    [STRICT]: "*formatter.statsContext",
    Container: container,
    ID: o.trunc ? shortId(id) : id,
    Name: (s.name ?? "").replace(/^\//, "") || "--",
    CPUPerc: `${cpuPercent(s).toFixed(2)}%`,
    MemUsage: `${bytesSize(used)} / ${bytesSize(limit)}`,
    MemPerc: `${(limit > 0 ? (used / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    BlockIO: `${humanSize(read)} / ${humanSize(write)}`,
    PIDs: String(s.pids_stats?.current ?? 0),
  };
}
