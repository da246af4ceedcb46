import { existsSync } from "node:fs";
import type { Resources as ApiResources } from "../../api/types/container.js";
import { invalidArgument } from "../../errors/EngineError.js";
import type { Resources, Rlimit } from "../../oci/runtime.js";

/** Whether the memory controller accounts swap (v1 memsw files; v2 memory.swap.max). */
export function swapAccounting(): boolean {
  return existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") || existsSync("/sys/fs/cgroup/memory.swap.max") || existsSync("/sys/fs/cgroup/unified/memory.swap.max");
}

/**
 * Docker's resource fields → OCI linux.resources, with moby's checks and defaults
 * (daemon/daemon_unix.go verifyPlatformContainerResources): a memory limit implies swap of the
 * same size again unless MemorySwap says otherwise; NanoCpus is a quota over a 100 ms period and
 * conflicts with CpuQuota/CpuPeriod.
 */
export function ociResources(r: ApiResources, warnings: string[]): Resources {
  const out: Resources = {};
  const mem = r.Memory ?? 0;
  if (mem < 0) throw invalidArgument("invalid memory limit: must be positive");
  if (mem > 0 && mem < 6 * 1024 * 1024) throw invalidArgument("Minimum memory limit allowed is 6MB");
  const memory: NonNullable<Resources["memory"]> = {};
  if (mem > 0) memory.limit = mem;
  const swap = r.MemorySwap ?? 0;
  if (swap > 0 && mem === 0) throw invalidArgument("You should always set the Memory limit when using Memoryswap limit, see usage");
  if (swap > 0 && swap < mem) throw invalidArgument("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (mem > 0 && swap !== 0) {
    if (swapAccounting()) memory.swap = swap;
    else warnings.push("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.");
  } else if (mem > 0 && swapAccounting()) {
    memory.swap = mem * 2;
  }
  if ((r.MemoryReservation ?? 0) > 0) {
    if (mem > 0 && r.MemoryReservation! > mem) throw invalidArgument("Minimum memory limit can not be less than memory reservation limit, see usage");
    memory.reservation = r.MemoryReservation!;
  }
  if (r.MemorySwappiness !== undefined && r.MemorySwappiness !== null && r.MemorySwappiness !== -1) {
    if (r.MemorySwappiness < 0 || r.MemorySwappiness > 100) throw invalidArgument(`Invalid value: ${r.MemorySwappiness}, valid memory swappiness range is 0-100`);
    memory.swappiness = r.MemorySwappiness;
  }
  if (r.OomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length > 0) out.memory = memory;

  const cpu: NonNullable<Resources["cpu"]> = {};
  const nano = r.NanoCpus ?? 0;
  if (nano < 0) throw invalidArgument("Range of CPUs is from 0.01 to the number of CPUs available");
  if (nano > 0 && ((r.CpuQuota ?? 0) > 0 || (r.CpuPeriod ?? 0) > 0)) throw invalidArgument("Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set");
  if (nano > 0) {
    cpu.period = 100_000;
    cpu.quota = Math.round((nano * 100_000) / 1e9);
    if (cpu.quota < 1000) throw invalidArgument("Range of CPUs is from 0.01 to the number of CPUs available");
  }
  if ((r.CpuPeriod ?? 0) > 0) {
    if (r.CpuPeriod! < 1000 || r.CpuPeriod! > 1_000_000) throw invalidArgument("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
    cpu.period = r.CpuPeriod!;
  }
  if ((r.CpuQuota ?? 0) > 0) {
    if (r.CpuQuota! < 1000) throw invalidArgument("CPU cfs quota can not be less than 1ms (i.e. 1000)");
    cpu.quota = r.CpuQuota!;
  }
  if ((r.CpuShares ?? 0) > 0) cpu.shares = Math.min(262144, Math.max(2, r.CpuShares!));
  if (r.CpusetCpus) cpu.cpus = r.CpusetCpus;
  if (r.CpusetMems) cpu.mems = r.CpusetMems;
  if ((r.CpuRealtimePeriod ?? 0) > 0 || (r.CpuRealtimeRuntime ?? 0) > 0) throw invalidArgument("realtime scheduling (--cpu-rt-period/--cpu-rt-runtime) is not supported by berth");
  if (Object.keys(cpu).length > 0) out.cpu = cpu;

  if (r.PidsLimit !== undefined && r.PidsLimit !== null && r.PidsLimit > 0) out.pids = { limit: r.PidsLimit };
  if ((r.BlkioWeight ?? 0) > 0) {
    if (r.BlkioWeight! < 10 || r.BlkioWeight! > 1000) throw invalidArgument("Range of blkio weight is from 10 to 1000");
    out.blockIO = { weight: r.BlkioWeight };
  }
  for (const k of ["BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "DeviceRequests"] as const) {
    if ((r[k] ?? []).length > 0) throw invalidArgument(`${k} is not supported by berth yet`);
  }
  return out;
}

/** `--ulimit nofile=1024:2048` → process rlimits (RLIMIT_NOFILE ...). */
export function ociRlimits(ulimits: ApiResources["Ulimits"]): Rlimit[] | undefined {
  if (!ulimits || ulimits.length === 0) return undefined;
  return ulimits.map((u) => {
    if (!/^[a-z]+$/.test(u.Name ?? "")) throw invalidArgument(`invalid ulimit name ${JSON.stringify(u.Name)}`);
    if (u.Soft > u.Hard && u.Hard !== -1) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
    return { type: `RLIMIT_${u.Name.toUpperCase()}`, soft: u.Soft, hard: u.Hard };
  });
}
