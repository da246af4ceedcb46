import { createHash } from "node:crypto";
import type { CgroupManager } from "./cgroup/CgroupManager.js";
import { DEFAULT_CGROUP_PARENT } from "./containerCgroup.js";
import { MadeAhead } from "../util/madeAhead.js";

/**
 * A container's cgroup made ahead, for cgroup v1 hosts: creating `/berth/<id>` means a mkdir in
 * every hierarchy (ten here, the hybrid cgroup2 mount included) plus the cpuset copy, where
 * renaming a cgroup made in idle time is cheaper (the v1 manager on this host: ~465 µs to
 * create, ~180 µs to rename). cgroup v2 refuses rename, and needs one mkdir anyway: its manager
 * has no `rename`, and nothing is made ahead there.
 *
 * One spare at a time, named after the owner (`/berth/.spare-<8 hex of the runtime root>`), so
 * the owner's next start removes one a crash left and side-by-side daemons never touch each
 * other's. Made 10 ms after a start or an exit (when the daemon is idle), taken by a create of
 * a container in berth's default parent, never reused after a container had it, removed at close.
 */
export class PremadeCgroups {
  readonly spareName: string;
  private readonly ahead: MadeAhead<string>;

  constructor(private readonly cg: CgroupManager & Required<Pick<CgroupManager, "rename">>, owner: string, delayMs = 10) {
    this.spareName = `${DEFAULT_CGROUP_PARENT}/.spare-${createHash("sha256").update(owner).digest("hex").slice(0, 8)}`;
    this.ahead = new MadeAhead(() => this.make(), (name) => this.cg.destroy(name).catch(() => {}), delayMs);
  }

  /** A manager that can rename (cgroup v1), or undefined. */
  static supported(cg: CgroupManager | undefined): (CgroupManager & Required<Pick<CgroupManager, "rename">>) | undefined {
    return cg && typeof cg.rename === "function" ? (cg as CgroupManager & Required<Pick<CgroupManager, "rename">>) : undefined;
  }

  /** Removes a spare an earlier run of this owner left (a crash); then makes one. */
  async start(): Promise<void> {
    await this.cg.destroy(this.spareName).catch(() => {});
    this.ahead.refill();
  }

  /**
   * Renames the spare to `path` (a cgroup directly in berth's default parent, which must not
   * exist); false when there is none or it could not be used (then it is removed, and the
   * caller creates the cgroup the usual way). The spare has no limits: the caller applies them.
   */
  async take(path: string): Promise<boolean> {
    if (!path.startsWith(`${DEFAULT_CGROUP_PARENT}/`) || path.slice(DEFAULT_CGROUP_PARENT.length + 1).includes("/")) return false;
    const spare = this.ahead.take();
    if (!spare) return false;
    try {
      await this.cg.rename(spare, path);
      return true;
    } catch {
      await this.cg.destroy(spare).catch(() => {});
      return false;
    }
  }

  /** Makes the next spare after the delay, unless one exists or is being made. */
  refillSoon(): void {
    this.ahead.refillSoon();
  }

  /** Resolves once a spare being made is ready (or given up). */
  async made(): Promise<void> {
    await this.ahead.made();
  }

  /** Waits for a spare being made and removes it: nothing of it stays behind. */
  async close(): Promise<void> {
    await this.ahead.close();
  }

  private async make(): Promise<string | undefined> {
    try {
      await this.cg.create(this.spareName);
      return this.spareName;
    } catch {
      // Only an optimisation: the next create makes its cgroup itself.
      await this.cg.destroy(this.spareName).catch(() => {});
      return undefined;
    }
  }
}
