import { join } from "node:path";
import { EngineError, failedPrecondition, invalidArgument, notFound, wrapError } from "../../../errors/EngineError.js";
import type { Resources } from "../../../oci/runtime.js";
import type { CgroupManager, CgroupStats, FreezerState } from "../CgroupManager.js";
import { nodeCgroupFs, type CgroupFs } from "../cgroupFs.js";
import { cgroupPathParts } from "../cgroupPath.js";
import { signalAll, type SignalAllOptions } from "../signalAll.js";
import { makePath, readPids, removeCreated, removeTree, type RemoveOptions, removeIfEmpty } from "../tree.js";
import { validateResources } from "../validate.js";
import { parseFlatKeyed, readOptional } from "../control.js";
import { applyBlkioV1, blkioStatsV1 } from "./blkio.js";
import { applyCpuV1, cpuThrottlingV1 } from "./cpu.js";
import { cpuacctStatsV1 } from "./cpuacct.js";
import { applyCpusetV1, initCpusetV1, type CpusetValues } from "./cpuset.js";
import { applyDevicesV1 } from "./devices.js";
import { freezeV1, freezerStateV1, thawV1, type WaitOptions } from "./freezer.js";
import { findV1Hierarchies, type V1Hierarchy } from "./hierarchies.js";
import { applyHugetlbV1 } from "./hugetlb.js";
import { applyMemoryV1, memoryStatsV1 } from "./memory.js";
import { applyNetClsV1, applyNetPrioV1 } from "./network.js";
import { applyPids, pidsStats } from "./pids.js";

export interface ManagerOptions {
  fs?: CgroupFs;
  remove?: RemoveOptions;
  wait?: WaitOptions;
  signal?: SignalAllOptions;
}

/** The controllers a resources object needs, each with the OCI field that needs it (for errors). */
function neededControllers(r: Resources): [string, string][] {
  const out: [string, string][] = [];
  const c = r.cpu;
  if (r.memory && Object.values(r.memory).some((v) => v !== undefined)) out.push(["memory", "memory"]);
  if (c && (c.shares || c.quota || c.period || c.burst !== undefined || c.realtimePeriod || c.realtimeRuntime !== undefined || c.idle !== undefined)) out.push(["cpu", "cpu"]);
  if (c && (c.cpus || c.mems)) out.push(["cpuset", "cpu.cpus/cpu.mems"]);
  if (r.pids) out.push(["pids", "pids.limit"]);
  if (r.blockIO && Object.values(r.blockIO).some((v) => v !== undefined)) out.push(["blkio", "blockIO"]);
  if (r.devices) out.push(["devices", "devices"]);
  if (r.hugepageLimits?.length) out.push(["hugetlb", "hugepageLimits"]);
  if (r.network?.classID !== undefined) out.push(["net_cls", "network.classID"]);
  if (r.network?.priorities?.length) out.push(["net_prio", "network.priorities"]);
  return out;
}

/**
 * cgroup v1: one directory per hierarchy, one hierarchy per controller group. The cgroup path
 * is made in every mounted hierarchy (so the process is tracked everywhere, as runc does) and
 * each controller's files are written in its own hierarchy.
 */
export class CgroupV1Manager implements CgroupManager {
  readonly version = 1 as const;
  readonly enforcesDeviceRules = true;
  private readonly fs: CgroupFs;

  constructor(readonly hierarchies: V1Hierarchy[], private readonly opts: ManagerOptions = {}) {
    this.fs = opts.fs ?? nodeCgroupFs;
  }

  /** Reads the hierarchies from `<root>/proc/self/mountinfo`. */
  static async open(root = "/", opts: ManagerOptions = {}): Promise<CgroupV1Manager> {
    return new CgroupV1Manager(await findV1Hierarchies(opts.fs ?? nodeCgroupFs, root), opts);
  }

  private hierarchy(controller: string): V1Hierarchy | undefined {
    return this.hierarchies.find((h) => h.controllers.includes(controller));
  }

  private dir(h: V1Hierarchy, path: string): string {
    return join(h.mountPoint, ...cgroupPathParts(path));
  }

  /** The cgroup directory for `controller`, or undefined if that controller is not mounted. */
  controllerDir(controller: string, path: string): string | undefined {
    const h = this.hierarchy(controller);
    return h && this.dir(h, path);
  }

  private check(r: Resources): void {
    validateResources(r);
    if (r.unified && Object.keys(r.unified).length > 0) {
      throw invalidArgument(`unified: cgroup v2 keys (${Object.keys(r.unified).join(", ")}) cannot be applied on cgroup v1`);
    }
    for (const [controller, field] of neededControllers(r)) {
      if (!this.hierarchy(controller)) throw failedPrecondition(`${field}: the ${controller} cgroup controller is not mounted`);
    }
  }

  async create(path: string, resources: Resources = {}): Promise<{ procsFiles: string[] }> {
    const parts = cgroupPathParts(path);
    this.check(resources);
    const created: string[] = [];
    try {
      for (const h of this.hierarchies) {
        const isCpuset = h.controllers.includes("cpuset");
        // Each level's values are the next level's parent values: read once, not per level.
        let above: CpusetValues | undefined;
        const initCpuset = async (dir: string, parent: string, fresh: boolean) => {
          if (parent === h.mountPoint) above = undefined; // (re)started from the top
          above = await initCpusetV1(this.fs, dir, parent, fresh, above);
        };
        const made = await makePath(this.fs, h.mountPoint, parts, isCpuset ? initCpuset : undefined);
        created.push(...made);
      }
      await this.apply(path, resources);
    } catch (e) {
      const cleanupErrors = await removeCreated(this.fs, created);
      const w = wrapError(e, `create cgroup ${path}`);
      throw new EngineError(w.kind, w.message, { cause: e, cleanupErrors: [...w.cleanupErrors, ...cleanupErrors], detail: w.detail });
    }
    return { procsFiles: this.procsFiles(path) };
  }

  async rename(from: string, to: string): Promise<void> {
    const fs = this.fs;
    if (!fs.rename) throw failedPrecondition(`rename cgroup ${from}: not supported by this filesystem seam`);
    // The hybrid cgroup2 mount refuses rename (EPERM) like any cgroup2: there the new name is
    // made and the old one removed (it carries no controllers, so nothing is lost), last, once
    // every v1 hierarchy has renamed.
    const v1 = this.hierarchies.filter((h) => !h.unified);
    const done: V1Hierarchy[] = [];
    try {
      for (const h of v1) {
        await fs.rename(this.dir(h, from), this.dir(h, to));
        done.push(h);
      }
      for (const h of this.hierarchies.filter((x) => x.unified)) {
        await fs.mkdir(this.dir(h, to));
        await removeTree(fs, this.dir(h, from), this.opts.remove);
      }
    } catch (e) {
      const cleanupErrors: unknown[] = [];
      for (const h of this.hierarchies.filter((x) => x.unified)) await removeTree(fs, this.dir(h, to), this.opts.remove).catch((x: unknown) => cleanupErrors.push(x));
      for (const h of done.reverse()) await fs.rename(this.dir(h, to), this.dir(h, from)).catch((x: unknown) => cleanupErrors.push(x));
      const w = wrapError(e, `rename cgroup ${from} to ${to}`);
      throw new EngineError(w.kind, w.message, { cause: e, cleanupErrors: [...w.cleanupErrors, ...cleanupErrors], detail: w.detail });
    }
  }

  procsFiles(path: string): string[] {
    return this.hierarchies.map((h) => join(this.dir(h, path), "cgroup.procs"));
  }

  async update(path: string, resources: Resources): Promise<void> {
    this.check(resources);
    if (!(await this.exists(path))) throw notFound(`update cgroup ${path}: no such cgroup`);
    try {
      await this.apply(path, resources);
    } catch (e) {
      throw wrapError(e, `update cgroup ${path}`);
    }
  }

  private async apply(path: string, r: Resources): Promise<void> {
    const fs = this.fs;
    const dir = (c: string) => this.controllerDir(c, path)!;
    if (r.memory) await applyMemoryV1(fs, dir("memory"), r.memory);
    if (r.cpu && this.hierarchy("cpu")) await applyCpuV1(fs, dir("cpu"), r.cpu);
    if (r.cpu && (r.cpu.cpus || r.cpu.mems)) {
      const d = dir("cpuset");
      await applyCpusetV1(fs, d, join(d, ".."), r.cpu);
    }
    if (r.pids) await applyPids(fs, dir("pids"), r.pids.limit);
    if (r.blockIO) await applyBlkioV1(fs, dir("blkio"), r.blockIO);
    if (r.devices) await applyDevicesV1(fs, dir("devices"), r.devices);
    if (r.hugepageLimits?.length) await applyHugetlbV1(fs, dir("hugetlb"), r.hugepageLimits);
    if (r.network?.classID !== undefined) await applyNetClsV1(fs, dir("net_cls"), r.network.classID);
    if (r.network?.priorities?.length) await applyNetPrioV1(fs, dir("net_prio"), r.network.priorities);
  }

  private freezerDir(path: string, action: string): string {
    const d = this.controllerDir("freezer", path);
    if (!d) throw failedPrecondition(`${action} cgroup ${path}: the freezer controller is not mounted`);
    return d;
  }

  async freeze(path: string): Promise<void> {
    await freezeV1(this.fs, this.freezerDir(path, "freeze"), this.opts.wait).catch((e) => {
      throw wrapError(e, `freeze cgroup ${path}`);
    });
  }

  async thaw(path: string): Promise<void> {
    await thawV1(this.fs, this.freezerDir(path, "thaw"), this.opts.wait).catch((e) => {
      throw wrapError(e, `thaw cgroup ${path}`);
    });
  }

  async freezerState(path: string): Promise<FreezerState> {
    return freezerStateV1(this.fs, this.freezerDir(path, "read freezer state of")).catch((e) => {
      throw wrapError(e, `read freezer state of cgroup ${path}`);
    });
  }

  /** The hierarchy whose cgroup.procs lists the processes: pids, memory, freezer, else the first. */
  private trackingDir(path: string): string {
    const h = this.hierarchy("pids") ?? this.hierarchy("memory") ?? this.hierarchy("freezer") ?? this.hierarchies[0]!;
    return this.dir(h, path);
  }

  async pids(path: string): Promise<number[]> {
    const d = this.trackingDir(path);
    if (!(await this.fs.exists(d))) throw notFound(`list processes of cgroup ${path}: no such cgroup`);
    return readPids(this.fs, d);
  }

  async stats(path: string): Promise<CgroupStats> {
    const out: CgroupStats = {};
    const fs = this.fs;
    try {
      const mem = this.controllerDir("memory", path);
      if (mem) out.memory = await memoryStatsV1(fs, mem);
      const acct = this.controllerDir("cpuacct", path);
      if (acct) {
        const cpu = this.controllerDir("cpu", path);
        out.cpu = { ...(await cpuacctStatsV1(fs, acct)), ...(cpu ? await cpuThrottlingV1(fs, cpu) : {}) };
      }
      const pids = this.controllerDir("pids", path);
      if (pids) out.pids = await pidsStats(fs, pids);
      const blkio = this.controllerDir("blkio", path);
      if (blkio) out.io = await blkioStatsV1(fs, blkio);
    } catch (e) {
      throw wrapError(e, `read stats of cgroup ${path}`);
    }
    return out;
  }

  async oomKills(path: string): Promise<number> {
    const mem = this.controllerDir("memory", path);
    if (!mem) return 0;
    const oom = await readOptional(this.fs, mem, "memory.oom_control").catch((e) => {
      throw wrapError(e, `read OOM kills of cgroup ${path}`);
    });
    return parseFlatKeyed(oom ?? "").get("oom_kill") ?? 0;
  }

  async killAll(path: string, signal: NodeJS.Signals | number): Promise<void> {
    const freezer = this.controllerDir("freezer", path);
    if (freezer && (await this.fs.exists(freezer)) && (await freezerStateV1(this.fs, freezer)) !== "thawed") await this.thaw(path);
    await signalAll(path, () => this.pids(path).catch((e) => (e instanceof EngineError && e.kind === "NotFound" ? [] : Promise.reject(e))), signal, this.opts.signal);
  }

  async destroy(path: string): Promise<void> {
    const errors: unknown[] = [];
    for (const h of this.hierarchies) {
      try {
        await removeTree(this.fs, this.dir(h, path), this.opts.remove);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) {
      const first = wrapError(errors[0], `destroy cgroup ${path}`);
      throw new EngineError(first.kind, first.message, { cause: errors[0], cleanupErrors: errors.slice(1) });
    }
  }

  async removeIfEmpty(path: string): Promise<void> {
    for (const h of this.hierarchies) await removeIfEmpty(this.fs, this.dir(h, path));
  }

  async exists(path: string): Promise<boolean> {
    for (const h of this.hierarchies) if (await this.fs.exists(this.dir(h, path))) return true;
    return false;
  }
}
