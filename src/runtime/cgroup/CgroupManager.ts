import type { Resources } from "../../oci/runtime.js";

/**
 * One interface over cgroup v1 (one hierarchy per controller) and v2 (unified). Paths are
 * cgroup paths relative to the hierarchy root, as OCI `linux.cgroupsPath` ("/berth/<id>").
 * Every method takes the filesystem root it works on (constructor), so tests use temp trees.
 */
export interface CgroupStats {
  /** `limit` is Infinity when unlimited. `stat` is the raw memory.stat (docker stats derives usage minus inactive_file from it). */
  memory?: { usage: number; limit: number; maxUsage?: number; cache?: number; rss?: number; swap?: number; oomKills: number; failcnt?: number; stat?: Record<string, number> };
  cpu?: { usageNs: number; userNs: number; systemNs: number; periods?: number; throttledPeriods?: number; throttledNs?: number; perCpuNs?: number[] };
  pids?: { current: number; limit?: number };
  io?: { readBytes: number; writeBytes: number; readOps: number; writeOps: number; devices?: { major: number; minor: number; readBytes: number; writeBytes: number; readOps: number; writeOps: number }[] };
}

export type FreezerState = "thawed" | "freezing" | "frozen";

export interface CgroupManager {
  readonly version: 1 | 2;
  /** False when `resources.devices` cannot be enforced (cgroup v2 needs an eBPF program, not implemented): rules are then ignored. */
  readonly enforcesDeviceRules?: boolean;
  /** Creates the cgroup(s) and applies `resources`; returns the cgroup.procs files to join. */
  create(path: string, resources?: Resources): Promise<{ procsFiles: string[] }>;
  /**
   * The cgroup.procs files create(path) returns, named without touching the filesystem, so a
   * caller can build what depends on them before the cgroup exists (the runtime's launch plan).
   */
  procsFiles?(path: string): string[];
  /** Applies new resource values to an existing cgroup (docker update). */
  update(path: string, resources: Resources): Promise<void>;
  freeze(path: string): Promise<void>;
  thaw(path: string): Promise<void>;
  freezerState(path: string): Promise<FreezerState>;
  /** Pids of every process in the cgroup (and below). */
  pids(path: string): Promise<number[]>;
  stats(path: string): Promise<CgroupStats>;
  /**
   * How many processes of the cgroup the OOM killer took (stats().memory.oomKills) from the one
   * file that counts them, for a caller that needs nothing else (a container's exit: stats()
   * reads a dozen files, ~0.3 ms). 0 without a memory controller.
   */
  oomKills?(path: string): Promise<number>;
  /** Sends `signal` to every process in the cgroup (thawing first if frozen, so it is delivered). */
  killAll(path: string, signal: NodeJS.Signals | number): Promise<void>;
  /** Removes the cgroup(s); processes must be gone (retries briefly while the kernel lets go). Missing is success. */
  destroy(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /**
   * Renames an existing cgroup to `to` under the same parent, in every hierarchy (cgroup v1
   * only: v2 refuses rename, and its manager has no such method). `to` must not exist. On
   * failure what was renamed is renamed back. For cgroups made ahead (src/runtime/premadeCgroups.ts).
   */
  rename?(from: string, to: string): Promise<void>;
  /**
   * Removes the cgroup only if it is empty in every hierarchy (no children, no processes): for
   * a parent shared by containers, such as berth's default `/berth`. Busy or missing is success.
   */
  removeIfEmpty?(path: string): Promise<void>;
}
