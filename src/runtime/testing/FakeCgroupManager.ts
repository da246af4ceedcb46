import type { Resources } from "../../oci/runtime.js";
import type { CgroupManager, CgroupStats, FreezerState } from "../cgroup/CgroupManager.js";

/** In-memory CgroupManager for lifecycle unit tests: records calls, keeps pids and freezer state per path. */
export class FakeCgroupManager implements CgroupManager {
  readonly version: 1 | 2;
  readonly calls: string[] = [];
  readonly groups = new Map<string, { resources?: Resources; pids: number[]; freezer: FreezerState }>();
  failCreate?: Error;
  /** Called by killAll so a test can make the "processes" die. */
  onKillAll: (path: string, signal: NodeJS.Signals | number) => void | Promise<void> = () => {};

  constructor(version: 1 | 2 = 1) {
    this.version = version;
  }

  private get(path: string) {
    const g = this.groups.get(path);
    if (!g) throw Object.assign(new Error(`cgroup ${path}: no such cgroup`), { code: "ENOENT" });
    return g;
  }

  async create(path: string, resources?: Resources): Promise<{ procsFiles: string[] }> {
    this.calls.push(`create ${path}`);
    if (this.failCreate) throw this.failCreate;
    this.groups.set(path, { resources, pids: [], freezer: "thawed" });
    return this.version === 1 ? { procsFiles: [`/fake/memory${path}/cgroup.procs`, `/fake/pids${path}/cgroup.procs`] } : { procsFiles: [`/fake${path}/cgroup.procs`] };
  }
  async update(path: string, resources: Resources): Promise<void> {
    this.calls.push(`update ${path}`);
    this.get(path).resources = resources;
  }
  async freeze(path: string): Promise<void> {
    this.calls.push(`freeze ${path}`);
    this.get(path).freezer = "frozen";
  }
  async thaw(path: string): Promise<void> {
    this.calls.push(`thaw ${path}`);
    this.get(path).freezer = "thawed";
  }
  async freezerState(path: string): Promise<FreezerState> {
    return this.get(path).freezer;
  }
  async pids(path: string): Promise<number[]> {
    return [...this.get(path).pids];
  }
  async stats(path: string): Promise<CgroupStats> {
    this.get(path);
    return {};
  }
  async killAll(path: string, signal: NodeJS.Signals | number): Promise<void> {
    this.calls.push(`killAll ${path} ${signal}`);
    this.get(path);
    await this.onKillAll(path, signal);
  }
  async destroy(path: string): Promise<void> {
    this.calls.push(`destroy ${path}`);
    this.groups.delete(path);
  }
  async removeIfEmpty(path: string): Promise<void> {
    const busy = [...this.groups.keys()].some((k) => k.startsWith(`${path}/`));
    this.calls.push(`removeIfEmpty ${path}${busy ? " (busy)" : ""}`);
  }
  async exists(path: string): Promise<boolean> {
    return this.groups.has(path);
  }
}
