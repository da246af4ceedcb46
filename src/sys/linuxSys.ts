import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Readable } from "node:stream";
import type { Hook } from "../oci/runtime.js";
import { parseProcStat } from "./procStat.js";
import { LauncherUnavailable, sharedShimLauncher } from "./shimLauncher.js";
import type { FileId, MountRequest, ProcStat, ProcessExit, ShimSpawnRequest, ShimSpawnResult, Sys } from "./Sys.js";

/**
 * The berth-shim binary whose launcher does mounts when no shim path is given: $BERTH_SHIM,
 * else this checkout's build (this file is dist/src/sys/linuxSys.js), else the installed one.
 * The same order as the runtime's defaultShimPath, so both share one launcher process.
 */
export function hostShimPath(): string {
  if (process.env.BERTH_SHIM) return process.env.BERTH_SHIM;
  const built = resolve(dirname(fileURLToPath(import.meta.url)), "../../../native/build/berth-shim");
  return existsSync(built) ? built : "/usr/local/libexec/berth/berth-shim";
}

/** Sys on the real kernel. */
export class LinuxSys implements Sys {
  private shimSpawns = 0;
  /** The berth-shim whose launcher this LinuxSys uses, fixed on first use (any program can be spawned through it). */
  private launcherPath?: string;

  /** shimPath: the berth-shim whose launcher to use (default: the first spawned shim's, or hostShimPath() for a mount). */
  constructor(private readonly opts: { shimPath?: string } = {}) {}

  /**
   * The first shim is spawned by Node directly; from the second on (a long-lived caller such as
   * the engine), through `berth-shim launcher`, which forks far more cheaply than Node (see
   * shimLauncher.ts) and never blocks our event loop. Explicit stdio fds and new sessions
   * (foreground exec) always spawn directly, and so does everything if the launcher is gone.
   */
  async spawnShim(req: ShimSpawnRequest): Promise<ShimSpawnResult> {
    const viaLauncher = !req.newSession && (req.stdio === "inherit" || req.stdio === "ignore");
    if (viaLauncher && this.shimSpawns++ > 0) {
      try {
        this.launcherPath ??= this.opts.shimPath ?? req.shimPath;
        return await sharedShimLauncher(this.launcherPath).spawn(req.shimPath, req.args, req.stdio as "inherit" | "ignore");
      } catch (e) {
        if (!(e instanceof LauncherUnavailable)) throw e;
      }
    }
    return this.spawnDirect(req);
  }

  private async spawnDirect(req: ShimSpawnRequest): Promise<ShimSpawnResult> {
    const fds = req.stdio === "inherit" ? ["inherit", "inherit", "inherit"] : req.stdio === "ignore" ? ["ignore", "ignore", "ignore"] : [req.stdio.stdin, req.stdio.stdout, req.stdio.stderr];
    const child = spawn(req.shimPath, req.args, { stdio: [...(fds as ("inherit" | "ignore" | number)[]), "pipe"], detached: req.newSession === true });
    const exited = new Promise<ProcessExit>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    await spawned;
    const syncLine = await readFirstLine(child.stdio[3] as Readable);
    return { pid: child.pid!, syncLine, exited };
  }

  /** Through the launcher (one process-wide, see sharedShimLauncher): no fork of this process. */
  mount(req: MountRequest): Promise<void> {
    return sharedShimLauncher((this.launcherPath ??= this.opts.shimPath ?? hostShimPath())).mount(req);
  }

  unmount(target: string, flags: number): Promise<void> {
    return sharedShimLauncher((this.launcherPath ??= this.opts.shimPath ?? hostShimPath())).umount(target, flags);
  }

  kill(pid: number, signal: number): void {
    process.kill(pid, signal);
  }

  // /proc reads are synchronous on purpose: procfs answers from memory in microseconds, while a
  // trip through libuv's thread pool costs ~10x that, and the lifecycle verbs make several.
  async procStat(pid: number): Promise<ProcStat | null> {
    try {
      return parseProcStat(pid, readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ESRCH") return null;
      throw e;
    }
  }

  async procExeId(pid: number): Promise<FileId | null> {
    return this.fileId(`/proc/${pid}/exe`);
  }

  async fileId(path: string): Promise<FileId | null> {
    try {
      const st = statSync(path);
      return { dev: st.dev, ino: st.ino };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ESRCH" || code === "EACCES") return null;
      throw e;
    }
  }

  async procCmdline(pid: number): Promise<string[] | null> {
    try {
      const text = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      return text.split("\0").filter((a, i, all) => a !== "" || i < all.length - 1);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ESRCH") return null;
      throw e;
    }
  }

  runHook(hook: Hook, stateJson: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const args = hook.args && hook.args.length ? hook.args : [hook.path];
      const env: Record<string, string> = {};
      for (const kv of hook.env ?? []) {
        const i = kv.indexOf("=");
        if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const child = spawn(hook.path, args.slice(1), { argv0: args[0], env, stdio: ["pipe", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.setEncoding("utf8").on("data", (d: string) => {
        if (stderr.length < 4096) stderr += d;
      });
      let timer: NodeJS.Timeout | undefined;
      if (hook.timeout) {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`hook ${hook.path}: timed out after ${hook.timeout}s`));
        }, hook.timeout * 1000);
      }
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`hook ${hook.path}: ${e.message}`));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`hook ${hook.path}: ${signal ? `killed by ${signal}` : `exit status ${code}`}${stderr ? `: ${stderr.trim()}` : ""}`));
      });
      child.stdin!.on("error", () => {});
      child.stdin!.end(stateJson);
    });
  }
}

/** Reads up to the first newline, then stops reading (the shim daemon may keep its end open). */
function readFirstLine(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const done = (line: string) => {
      stream.removeAllListeners("data");
      stream.destroy();
      resolve(line);
    };
    stream.setEncoding("utf8");
    stream.on("data", (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) done(buf.slice(0, nl));
    });
    stream.once("end", () => done(buf));
    stream.once("error", (e) => reject(e));
  });
}
