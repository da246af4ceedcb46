import { randomBytes } from "node:crypto";
import { renameSync, rmSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { etcPaths, hostsText } from "../etcFiles.js";
import { MadeAhead } from "../../util/madeAhead.js";

/** What a set made ahead holds: its own mode, subdirectories and files (all created new). */
export interface DirLayout {
  mode: number;
  dirs: { name: string; mode: number }[];
  files: { name: string; content: string; mode: number }[];
}

/**
 * The name of a set made ahead: a `.rm-` name, so the sweep of the containers directory at
 * start (BackgroundDeletes.sweep in ContainerEngine.restore) removes one a crash left.
 */
const SPARE_PREFIX = ".rm-spare-";

/** config.json, written by create into the file made ahead. */
export const CONFIG_FILE = "config.json";

/** The container's log, which the shim opens O_APPEND|O_CREAT (mode 0640, native/shim/log.c). */
export const LOG_FILE = "container.log";

/** A container's directory as createContainer makes it (modes as it gives them; the hosts header is the same for all). */
export function containerDirLayout(): DirLayout {
  const etc = etcPaths("");
  return {
    mode: 0o700,
    dirs: [{ name: "rootfs", mode: 0o700 }],
    files: [
      { name: etc.hosts, content: hostsText([]), mode: 0o644 },
      { name: etc.hostname, content: "", mode: 0o644 },
      { name: etc.resolvConf, content: "", mode: 0o644 },
      { name: CONFIG_FILE, content: "", mode: 0o600 },
      // Made here rather than by the shim on the start's path (one inode allocation less there).
      { name: LOG_FILE, content: "", mode: 0o640 },
    ],
  };
}

/**
 * A container's directory and its small files (rootfs/, hosts, hostname, resolv.conf,
 * config.json, container.log) are seven ext4 inode allocations on the create request's path (~0.1 ms each on
 * a calm disk, ~1 ms each while the journal is busy); its runtime state directory (plan,
 * state.json) three more on the start's. When a container is removed or has exited, the next
 * one's set is made in the background as `.rm-spare-<random>` beside them, and the next
 * create renames it into place (one syscall) and only writes into the files. close removes
 * an unused set; one a crash left is swept at the next start (the `.rm-` sweeps of the
 * containers directory and the runtime root).
 */
export class PremadeDirs {
  private readonly ahead: MadeAhead<string>;

  /**
   * `delayMs`: how long after a removal the set is made. At once, its inode allocations and
   * thread-pool work landed on the end of that removal's `docker run --rm` (the CLI exited
   * ~1.5 ms later, A/B); a little later the daemon is idle.
   */
  constructor(private readonly parent: string, private readonly layout: DirLayout, delayMs = 10) {
    this.ahead = new MadeAhead(() => this.make(), (dir) => rm(dir, { recursive: true, force: true }), delayMs);
  }

  /**
   * Renames the set made ahead to `dir`; false when there is none (or it could not be used:
   * then it is removed and the caller makes the directory the usual way).
   */
  take(dir: string): boolean {
    const spare = this.ahead.take();
    if (!spare) return false;
    try {
      // Synchronous: one rename within a directory, cheaper than a thread-pool round trip.
      renameSync(spare, dir);
      return true;
    } catch {
      rmSync(spare, { recursive: true, force: true });
      return false;
    }
  }

  /** Makes the next set after the delay, unless one exists or is being made. */
  refillSoon(): void {
    this.ahead.refillSoon();
  }

  /** Starts making the next set, unless one exists or is being made. */
  refill(): void {
    this.ahead.refill();
  }

  /** Resolves once a set being made is ready (or given up). */
  async made(): Promise<void> {
    await this.ahead.made();
  }

  /** Waits for a set being made and removes the unused one: nothing of it stays behind. */
  async close(): Promise<void> {
    await this.ahead.close();
  }

  private async make(): Promise<string | undefined> {
    const dir = join(this.parent, SPARE_PREFIX + randomBytes(6).toString("hex"));
    const { layout } = this;
    try {
      await mkdir(dir, { mode: layout.mode });
      await Promise.all([
        ...layout.dirs.map((d) => mkdir(join(dir, d.name), { mode: d.mode })),
        ...layout.files.map((f) => writeFile(join(dir, f.name), f.content, { mode: f.mode, flag: "wx" })),
      ]);
    } catch {
      // Only an optimisation: the next create makes its directory itself.
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      return undefined;
    }
    return dir;
  }
}
