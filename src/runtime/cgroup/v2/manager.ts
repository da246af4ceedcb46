import { join } from "node:path";
import { EngineError, failedPrecondition, invalidArgument, notFound, wrapError } from "../../../errors/EngineError.js";
import type { Resources } from "../../../oci/runtime.js";
import type { CgroupManager, CgroupStats, FreezerState } from "../CgroupManager.js";
import { nodeCgroupFs, type CgroupFs } from "../cgroupFs.js";
import { cgroupPathParts } from "../cgroupPath.js";
import { hasFile, parseFlatKeyed, readOptional, writeControl } from "../control.js";
import { signalAll, type SignalAllOptions } from "../signalAll.js";
import { makePath, readPids, removeCreated, removeTree, type RemoveOptions, removeIfEmpty } from "../tree.js";
import { validateResources } from "../validate.js";
import { applyCpuV2, cpuStatsV2 } from "./cpu.js";
import { applyCpusetV2 } from "./cpuset.js";
import { freezeV2, freezerStateV2, thawV2, type WaitOptions } from "./freezer.js";
import { applyHugetlbV2 } from "./hugetlb.js";
import { applyIoV2, ioStatsV2 } from "./io.js";
import { applyMemoryV2, memoryStatsV2 } from "./memory.js";
import { applyPidsV2, pidsStatsV2 } from "./pids.js";
import { enableSubtreeControllers, readControllers } from "./subtree.js";
import { applyUnifiedV2 } from "./unified.js";

export interface ManagerOptions {
  fs?: CgroupFs;
  remove?: RemoveOptions;
  wait?: WaitOptions;
  signal?: SignalAllOptions;
}

function neededControllers(r: Resources): [string, string][] {
  const out: [string, string][] = [];
  const c = r.cpu;
  if (r.memory && Object.values(r.memory).some((v) => v !== undefined)) out.push(["memory", "memory"]);
  if (c && (c.shares || c.quota || c.period || c.burst !== undefined || c.idle !== undefined)) out.push(["cpu", "cpu"]);
  if (c && (c.cpus || c.mems)) out.push(["cpuset", "cpu.cpus/cpu.mems"]);
  if (r.pids) out.push(["pids", "pids.limit"]);
  if (r.blockIO && Object.values(r.blockIO).some((v) => v !== undefined)) out.push(["io", "blockIO"]);
  if (r.hugepageLimits?.length) out.push(["hugetlb", "hugepageLimits"]);
  for (const key of Object.keys(r.unified ?? {})) {
    const controller = key.split(".")[0]!;
    if (controller !== "cgroup") out.push([controller, `unified[${JSON.stringify(key)}]`]);
  }
  return out;
}

/**
 * cgroup v2: one unified tree. Ancestors delegate controllers through cgroup.subtree_control;
 * the container's cgroup is a leaf (processes live only there). Device rules need an eBPF
 * program attached to the cgroup, which berth does not implement: they are ignored and
 * `enforcesDeviceRules` is false so callers can say so.
 */
export class CgroupV2Manager implements CgroupManager {
  readonly version = 2 as const;
  readonly enforcesDeviceRules = false;
  private readonly fs: CgroupFs;

  /** `mountPoint` is the host path of the cgroup2 mount (e.g. /sys/fs/cgroup). */
  constructor(readonly mountPoint: string, private readonly opts: ManagerOptions = {}) {
    this.fs = opts.fs ?? nodeCgroupFs;
  }

  dir(path: string): string {
    return join(this.mountPoint, ...cgroupPathParts(path));
  }

  private async check(r: Resources): Promise<void> {
    validateResources(r);
    if (r.network?.classID !== undefined || r.network?.priorities?.length) {
      throw invalidArgument("network: net_cls/net_prio do not exist on cgroup v2");
    }
    const available = new Set(await readControllers(this.fs, this.mountPoint));
    for (const [controller, field] of neededControllers(r)) {
      if (!available.has(controller)) throw failedPrecondition(`${field}: the ${controller} controller is not available in ${this.mountPoint}`);
    }
  }

  async create(path: string, resources: Resources = {}): Promise<{ procsFiles: string[] }> {
    const parts = cgroupPathParts(path);
    await this.check(resources);
    const leaf = this.dir(path);
    let created: string[] = [];
    try {
      const refusals = new Map<string, unknown>();
      const enable = async (dir: string) => {
        for (const [c, e] of await enableSubtreeControllers(this.fs, dir)) refusals.set(c, e);
      };
      await enable(this.mountPoint);
      created = await makePath(this.fs, this.mountPoint, parts, async (dir) => {
        if (dir !== leaf) await enable(dir);
      });
      const present = new Set(await readControllers(this.fs, leaf));
      for (const [controller, field] of neededControllers(resources)) {
        if (!present.has(controller)) {
          const why = refusals.get(controller);
          throw failedPrecondition(`${field}: the ${controller} controller could not be enabled for ${leaf}${why ? ` (${(why as Error).message})` : ""}`, { cause: why });
        }
      }
      await this.apply(path, resources);
    } catch (e) {
      // makePath already removed its own directories when it was the one failing.
      const cleanupErrors = await removeCreated(this.fs, created);
      const w = wrapError(e, `create cgroup ${path}`);
      throw new EngineError(w.kind, w.message, { cause: e, cleanupErrors: [...w.cleanupErrors, ...cleanupErrors], detail: w.detail });
    }
    return { procsFiles: this.procsFiles(path) };
  }

  procsFiles(path: string): string[] {
    return [join(this.dir(path), "cgroup.procs")];
  }

  async update(path: string, resources: Resources): Promise<void> {
    await this.check(resources);
    if (!(await this.exists(path))) throw notFound(`update cgroup ${path}: no such cgroup`);
    try {
      await this.apply(path, resources);
    } catch (e) {
      throw wrapError(e, `update cgroup ${path}`);
    }
  }

  private async apply(path: string, r: Resources): Promise<void> {
    const fs = this.fs;
    const dir = this.dir(path);
    if (r.memory) await applyMemoryV2(fs, dir, r.memory);
    if (r.cpu) await applyCpuV2(fs, dir, r.cpu);
    if (r.cpu && (r.cpu.cpus || r.cpu.mems)) await applyCpusetV2(fs, dir, join(dir, ".."), r.cpu);
    if (r.pids) await applyPidsV2(fs, dir, r.pids.limit);
    if (r.blockIO) await applyIoV2(fs, dir, r.blockIO);
    if (r.hugepageLimits?.length) await applyHugetlbV2(fs, dir, r.hugepageLimits);
    // r.devices: not enforced on v2 (needs eBPF); see enforcesDeviceRules.
    if (r.unified && Object.keys(r.unified).length > 0) await applyUnifiedV2(fs, dir, r.unified);
  }

  async freeze(path: string): Promise<void> {
    await freezeV2(this.fs, this.dir(path), this.opts.wait).catch((e) => {
      throw wrapError(e, `freeze cgroup ${path}`);
    });
  }

  async thaw(path: string): Promise<void> {
    await thawV2(this.fs, this.dir(path), this.opts.wait).catch((e) => {
      throw wrapError(e, `thaw cgroup ${path}`);
    });
  }

  async freezerState(path: string): Promise<FreezerState> {
    return freezerStateV2(this.fs, this.dir(path)).catch((e) => {
      throw wrapError(e, `read freezer state of cgroup ${path}`);
    });
  }

  async pids(path: string): Promise<number[]> {
    const d = this.dir(path);
    if (!(await this.fs.exists(d))) throw notFound(`list processes of cgroup ${path}: no such cgroup`);
    return readPids(this.fs, d);
  }

  async stats(path: string): Promise<CgroupStats> {
    const fs = this.fs;
    const d = this.dir(path);
    const out: CgroupStats = {};
    try {
      const controllers = new Set(await readControllers(fs, d));
      if (controllers.has("memory")) out.memory = await memoryStatsV2(fs, d);
      // cpu.stat's usage figures exist without the cpu controller; throttling needs it.
      if (await hasFile(fs, d, "cpu.stat")) out.cpu = await cpuStatsV2(fs, d);
      if (controllers.has("pids")) out.pids = await pidsStatsV2(fs, d);
      if (controllers.has("io")) out.io = await ioStatsV2(fs, d);
    } catch (e) {
      throw wrapError(e, `read stats of cgroup ${path}`);
    }
    return out;
  }

  async oomKills(path: string): Promise<number> {
    const events = await readOptional(this.fs, this.dir(path), "memory.events").catch((e) => {
      throw wrapError(e, `read OOM kills of cgroup ${path}`);
    });
    return parseFlatKeyed(events ?? "").get("oom_kill") ?? 0;
  }

  async killAll(path: string, signal: NodeJS.Signals | number): Promise<void> {
    const d = this.dir(path);
    if (!(await this.fs.exists(d))) return;
    if ((await freezerStateV2(this.fs, d)) !== "thawed") await this.thaw(path);
    // cgroup.kill (5.14+) kills the whole subtree atomically, forks included; the rounds below
    // then only wait for the cgroup to empty.
    if ((signal === "SIGKILL" || signal === 9) && (await hasFile(this.fs, d, "cgroup.kill"))) {
      await writeControl(this.fs, d, "cgroup.kill", "1", { field: "cgroup.kill" });
    }
    await signalAll(path, () => this.pids(path).catch((e) => (e instanceof EngineError && e.kind === "NotFound" ? [] : Promise.reject(e))), signal, this.opts.signal);
  }

  async destroy(path: string): Promise<void> {
    try {
      await removeTree(this.fs, this.dir(path), this.opts.remove);
    } catch (e) {
      throw wrapError(e, `destroy cgroup ${path}`);
    }
  }

  async removeIfEmpty(path: string): Promise<void> {
    await removeIfEmpty(this.fs, this.dir(path));
  }

  async exists(path: string): Promise<boolean> {
    return this.fs.exists(this.dir(path));
  }
}
