import type { Hook } from "../oci/runtime.js";
import type { FileId, MountRequest, ProcStat, ProcessExit, ShimSpawnRequest, ShimSpawnResult, Sys } from "./Sys.js";

export type SysCall =
  | { op: "spawnShim"; req: ShimSpawnRequest }
  | { op: "kill"; pid: number; signal: number }
  | { op: "procStat"; pid: number }
  | { op: "runHook"; hook: Hook; stateJson: string }
  | { op: "mount"; req: MountRequest }
  | { op: "unmount"; target: string; flags: number };

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * A fake Sys for unit tests: records every call, keeps a table of "processes", and answers
 * spawnShim with a scripted handler (which may add processes or write files the shim would).
 */
export class RecordingSys implements Sys {
  readonly calls: SysCall[] = [];
  readonly procs = new Map<number, ProcStat>();
  /** Default handler: the shim reports an error so tests must script success explicitly. */
  onSpawn: (req: ShimSpawnRequest) => Promise<{ syncLine: string; pid?: number; exit?: ProcessExit }> = async () => ({ syncLine: "error\tplan\t22\tno scripted shim" });
  /** What kill does to the process table (default: any fatal signal makes it a zombie). */
  onKill: (pid: number, signal: number) => void = (pid, signal) => {
    const p = this.procs.get(pid);
    if (p && signal !== 0 && signal !== 18 && signal !== 19 && signal !== 20 && signal !== 28) this.procs.set(pid, { ...p, state: "Z" });
  };
  hookFailures = new Map<string, string>();
  private nextPid = 50000;

  addProcess(pid: number, startTime = "1000", state = "S"): void {
    this.procs.set(pid, { pid, state, startTime });
  }

  async spawnShim(req: ShimSpawnRequest): Promise<ShimSpawnResult> {
    this.calls.push({ op: "spawnShim", req });
    const r = await this.onSpawn(req);
    return { pid: r.pid ?? this.nextPid++, syncLine: r.syncLine, exited: Promise.resolve(r.exit ?? { code: 0, signal: null }) };
  }

  kill(pid: number, signal: number): void {
    this.calls.push({ op: "kill", pid, signal });
    const p = this.procs.get(pid);
    if (!p || p.state === "Z") {
      const e = new Error(`kill ${pid}: ESRCH`) as NodeJS.ErrnoException;
      e.code = "ESRCH";
      throw e;
    }
    this.onKill(pid, signal);
  }

  async procStat(pid: number): Promise<ProcStat | null> {
    this.calls.push({ op: "procStat", pid });
    return this.procs.get(pid) ?? null;
  }

  /** Program identity per pid (tests set it; default: same as `shimExe`, i.e. not exec'd yet). */
  readonly exes = new Map<number, FileId>();
  shimExe: FileId = { dev: 1, ino: 1 };

  async procExeId(pid: number): Promise<FileId | null> {
    if (!this.procs.has(pid)) return null;
    return this.exes.get(pid) ?? this.shimExe;
  }

  async fileId(_path: string): Promise<FileId | null> {
    return this.shimExe;
  }

  async procCmdline(pid: number): Promise<string[] | null> {
    return this.procs.has(pid) ? [`proc-${pid}`] : null;
  }

  async runHook(hook: Hook, stateJson: string): Promise<void> {
    this.calls.push({ op: "runHook", hook, stateJson });
    const f = this.hookFailures.get(hook.path);
    if (f) throw new Error(`hook ${hook.path}: ${f}`);
  }

  /** Mounts stacked per target, in order (mount pushes, unmount pops). */
  readonly mounts = new Map<string, MountRequest[]>();
  /** Scripted mount failures by target: the errno code the next mount there fails with. */
  readonly mountFailures = new Map<string, string>();
  /** Targets whose unmount fails with EBUSY. */
  readonly busy = new Set<string>();

  async mount(req: MountRequest): Promise<void> {
    this.calls.push({ op: "mount", req });
    const code = this.mountFailures.get(req.target);
    if (code) {
      this.mountFailures.delete(req.target);
      throw errnoError(code, `mount ${req.fstype || req.source} on ${req.target}: ${code}`);
    }
    this.mounts.set(req.target, [...(this.mounts.get(req.target) ?? []), req]);
  }

  async unmount(target: string, flags: number): Promise<void> {
    this.calls.push({ op: "unmount", target, flags });
    const stack = this.mounts.get(target);
    if (!stack?.length) throw errnoError("EINVAL", `umount ${target}: Invalid argument`);
    if (this.busy.has(target) && (flags & 2) === 0) throw errnoError("EBUSY", `umount ${target}: Device or resource busy`);
    stack.pop();
    if (stack.length === 0) this.mounts.delete(target);
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}
