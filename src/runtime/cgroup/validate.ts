import { invalidArgument } from "../../errors/EngineError.js";
import type { Resources } from "../../oci/runtime.js";
import { parseCpuList } from "./cpuList.js";

/**
 * Checks of OCI `linux.resources` that do not depend on the cgroup version, run before any
 * directory is made so an impossible value fails fast and leaves nothing behind. Conventions
 * (runc's): 0 means "not set" for memory limits, shares, quota, period and weights; -1 means
 * unlimited where the kernel has an unlimited value.
 */
export function validateResources(r: Resources): void {
  const m = r.memory;
  if (m) {
    limit("memory.limit", m.limit);
    limit("memory.reservation", m.reservation);
    limit("memory.swap", m.swap);
    limit("memory.kernelTCP", m.kernelTCP);
    if (m.kernel !== undefined && m.kernel !== 0) {
      throw invalidArgument(`memory.kernel: value ${m.kernel} not supported (kernel memory limits are deprecated by the kernel and the OCI spec)`);
    }
    if (m.swap !== undefined && m.swap > 0 && m.limit !== undefined && m.limit > 0 && m.swap < m.limit) {
      throw invalidArgument(`memory.swap: value ${m.swap} is below memory.limit ${m.limit} (OCI swap is memory+swap, so it must be >= the limit)`);
    }
    if (m.swappiness !== undefined && (!Number.isInteger(m.swappiness) || m.swappiness < 0 || m.swappiness > 100)) {
      throw invalidArgument(`memory.swappiness: value ${m.swappiness} out of range (0-100)`);
    }
  }
  const c = r.cpu;
  if (c) {
    if (c.shares !== undefined && c.shares !== 0 && (!Number.isInteger(c.shares) || c.shares < 2 || c.shares > 262144)) {
      throw invalidArgument(`cpu.shares: value ${c.shares} out of range (2-262144)`);
    }
    if (c.quota !== undefined && c.quota !== 0 && c.quota !== -1 && (!Number.isInteger(c.quota) || c.quota < 1000)) {
      throw invalidArgument(`cpu.quota: value ${c.quota} invalid (-1 for unlimited, or at least 1000 microseconds)`);
    }
    if (c.period !== undefined && c.period !== 0 && (!Number.isInteger(c.period) || c.period < 1000 || c.period > 1_000_000)) {
      throw invalidArgument(`cpu.period: value ${c.period} out of range (1000-1000000 microseconds)`);
    }
    if (c.burst !== undefined && (!Number.isInteger(c.burst) || c.burst < 0)) {
      throw invalidArgument(`cpu.burst: value ${c.burst} invalid (must be >= 0 microseconds)`);
    }
    if (c.realtimeRuntime !== undefined && (!Number.isInteger(c.realtimeRuntime) || c.realtimeRuntime < -1)) {
      throw invalidArgument(`cpu.realtimeRuntime: value ${c.realtimeRuntime} invalid (-1 or >= 0 microseconds)`);
    }
    if (c.realtimePeriod !== undefined && c.realtimePeriod !== 0 && (!Number.isInteger(c.realtimePeriod) || c.realtimePeriod < 1)) {
      throw invalidArgument(`cpu.realtimePeriod: value ${c.realtimePeriod} invalid (must be > 0 microseconds)`);
    }
    if (c.idle !== undefined && c.idle !== 0 && c.idle !== 1) {
      throw invalidArgument(`cpu.idle: value ${c.idle} invalid (0 or 1)`);
    }
    if (c.cpus !== undefined) parseCpuList(c.cpus, "cpu.cpus");
    if (c.mems !== undefined) parseCpuList(c.mems, "cpu.mems");
  }
  if (r.pids && (!Number.isInteger(r.pids.limit) || r.pids.limit < -1)) {
    throw invalidArgument(`pids.limit: value ${r.pids.limit} invalid (-1 or 0 for unlimited, or a positive count)`);
  }
  const b = r.blockIO;
  if (b) {
    weight("blockIO.weight", b.weight);
    weight("blockIO.leafWeight", b.leafWeight);
    for (const [i, d] of (b.weightDevice ?? []).entries()) {
      device(`blockIO.weightDevice[${i}]`, d.major, d.minor);
      weight(`blockIO.weightDevice[${i}].weight`, d.weight);
      weight(`blockIO.weightDevice[${i}].leafWeight`, d.leafWeight);
    }
    const throttles = {
      throttleReadBpsDevice: b.throttleReadBpsDevice,
      throttleWriteBpsDevice: b.throttleWriteBpsDevice,
      throttleReadIOPSDevice: b.throttleReadIOPSDevice,
      throttleWriteIOPSDevice: b.throttleWriteIOPSDevice,
    };
    for (const [name, list] of Object.entries(throttles)) {
      for (const [i, d] of (list ?? []).entries()) {
        device(`blockIO.${name}[${i}]`, d.major, d.minor);
        if (!Number.isInteger(d.rate) || d.rate < 0) throw invalidArgument(`blockIO.${name}[${i}].rate: value ${d.rate} invalid (must be >= 0; 0 removes the limit)`);
      }
    }
  }
  for (const [i, h] of (r.hugepageLimits ?? []).entries()) {
    if (!/^\d+[KMG]B$/.test(h.pageSize)) throw invalidArgument(`hugepageLimits[${i}].pageSize: value ${JSON.stringify(h.pageSize)} invalid (e.g. "2MB", "1GB")`);
    limit(`hugepageLimits[${i}].limit`, h.limit);
  }
  for (const [i, d] of (r.devices ?? []).entries()) {
    if (d.type !== undefined && d.type !== "a" && d.type !== "c" && d.type !== "b") {
      throw invalidArgument(`devices[${i}].type: value ${JSON.stringify(d.type)} invalid (a, c or b)`);
    }
    for (const [k, v] of [["major", d.major], ["minor", d.minor]] as const) {
      if (v !== undefined && v !== null && v !== -1 && (!Number.isInteger(v) || v < 0)) throw invalidArgument(`devices[${i}].${k}: value ${v} invalid`);
    }
    if (d.access !== undefined && !/^[rwm]*$/.test(d.access)) throw invalidArgument(`devices[${i}].access: value ${JSON.stringify(d.access)} invalid (letters r, w, m)`);
  }
  for (const key of Object.keys(r.unified ?? {})) {
    if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(key)) throw invalidArgument(`unified: key ${JSON.stringify(key)} is not a cgroup control file name`);
  }
}

function limit(field: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || (v < 0 && v !== -1)) {
    throw invalidArgument(`${field}: value ${v} invalid (-1 for unlimited, or a non-negative integer)`);
  }
}

function weight(field: string, v: number | undefined): void {
  if (v === undefined || v === 0) return;
  if (!Number.isInteger(v) || v < 10 || v > 1000) throw invalidArgument(`${field}: value ${v} out of range (10-1000)`);
}

function device(field: string, major: number, minor: number): void {
  if (!Number.isInteger(major) || major < 0 || !Number.isInteger(minor) || minor < 0) {
    throw invalidArgument(`${field}: device ${major}:${minor} invalid`);
  }
}
