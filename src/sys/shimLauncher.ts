import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import type { Socket } from "node:net";
import { resolve } from "node:path";
import { formatLine, parseLine } from "../util/lineFormat.js";
import type { MountRequest, ProcessExit, ShimSpawnResult } from "./Sys.js";

/** The launcher is gone (or never started): the caller spawns directly instead. */
export class LauncherUnavailable extends Error {}

interface Job {
  pid: { resolve(pid: number): void; reject(e: Error): void };
  sync: { resolve(line: string): void; promise: Promise<string> };
  exit: { resolve(e: ProcessExit): void; promise: Promise<ProcessExit> };
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: Error): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A request answered with one `ok` or `error` line (mount, umount). */
interface Call {
  syscall: string;
  resolve(): void;
  reject(e: Error): void;
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

function errnoError(errno: number, message: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: errnoNames.get(errno) ?? "EIO", errno: -errno, syscall });
}

const shared = new Map<string, ShimLauncher>();

/**
 * The process's launcher for a shim binary: one resident helper per process serves every
 * LinuxSys and mountAll (it restarts itself on next use if it died), instead of one per user.
 */
export function sharedShimLauncher(shimPath: string): ShimLauncher {
  let l = shared.get(shimPath);
  if (!l) shared.set(shimPath, (l = new ShimLauncher(shimPath)));
  return l;
}

/**
 * Client of `berth-shim launcher` (native/README.md): one small resident C process (per
 * process, see sharedShimLauncher) that forks and executes shims on request, and mounts. Node's own spawn forks the whole runtime
 * (page tables of its heap: 1.3 ms at 43 MiB RSS, 10.8 ms at 251 MiB, measured), blocking the
 * event loop each time; the launcher's fork costs ~0.1 ms. It is started on first use, in its
 * own session, with our stdio (so "inherit" means ours), and does not keep this process alive;
 * it exits when our end of its socket closes.
 */
export class ShimLauncher {
  private child?: ChildProcess;
  private sock?: Socket;
  private buf = "";
  private readonly jobs = new Map<string, Job>();
  private readonly calls = new Map<string, Call>();
  private seq = 0;

  constructor(private readonly launcherPath: string) {}

  /** Starts the launcher now rather than on first use (a daemon's warm-up); false if it cannot run. */
  start(): boolean {
    try {
      this.ensureStarted();
      return true;
    } catch (e) {
      if (e instanceof LauncherUnavailable) return false;
      throw e;
    }
  }

  private ensureStarted(): Socket {
    if (this.sock) return this.sock;
    let child: ChildProcess;
    try {
      child = spawn(this.launcherPath, ["launcher", "--ctl-fd", "3"], { stdio: ["inherit", "inherit", "inherit", "pipe"], detached: true });
    } catch (e) {
      throw new LauncherUnavailable(`shim launcher: ${(e as Error).message}`);
    }
    const sock = child.stdio[3] as Socket | null;
    if (!sock || child.pid === undefined) {
      child.kill("SIGKILL");
      throw new LauncherUnavailable("shim launcher: could not start");
    }
    child.on("error", () => {});
    child.unref();
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => this.onData(d));
    sock.on("error", () => {});
    sock.on("close", () => this.onClose(sock));
    sock.unref();
    this.child = child;
    this.sock = sock;
    return sock;
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      this.onAnswer(parseLine(line));
    }
  }

  private onAnswer(f: string[]): void {
    const [what, tag] = f;
    const call = this.calls.get(tag ?? "");
    if (call) {
      this.calls.delete(tag!);
      if (what === "ok") call.resolve();
      // An older installed launcher without this request: as if there were none.
      else if (f[3]?.startsWith("unknown request")) call.reject(new LauncherUnavailable(`shim launcher: ${f[3]}`));
      else call.reject(errnoError(Number(f[2]), f[3] ?? `${call.syscall}: answered ${what}`, call.syscall));
      this.unrefIfIdle();
      return;
    }
    const job = this.jobs.get(tag ?? "");
    if (!job) return;
    if (what === "pid") job.pid.resolve(Number(f[2]));
    else if (what === "sync") job.sync.resolve(f[2] ?? "");
    else if (what === "exit") {
      const code = Number(f[2]);
      const sig = Number(f[3]);
      job.exit.resolve({ code: code >= 0 ? code : null, signal: sig > 0 ? (signalNames.get(sig) ?? null) : null });
    } else if (what === "error") {
      // An older launcher without `paths` stdio: as if there were none.
      if (f[3]?.startsWith("stdio must be inherit or ignore")) job.pid.reject(new LauncherUnavailable(`shim launcher: ${f[3]}`));
      else job.pid.reject(errnoError(Number(f[2]), `spawn ${f[3] ?? ""}`.trim(), "spawn"));
      this.finish(tag!);
      return;
    }
    // Settled once the exit is known and the sync line (or its EOF) has come.
    void Promise.all([job.sync.promise, job.exit.promise]).then(() => this.finish(tag!));
  }

  private finish(tag: string): void {
    if (!this.jobs.delete(tag)) return;
    this.unrefIfIdle();
  }

  /** Nothing in flight: the launcher must not keep the caller alive. */
  private unrefIfIdle(): void {
    if (this.jobs.size === 0 && this.calls.size === 0) this.sock?.unref();
  }

  /** The launcher died: nothing more will come for the jobs in flight. */
  private onClose(sock: Socket): void {
    if (this.sock !== sock) return;
    this.sock = undefined;
    this.child = undefined;
    this.buf = "";
    for (const [tag, job] of this.jobs) {
      job.pid.reject(new LauncherUnavailable("shim launcher: exited"));
      job.sync.resolve("");
      job.exit.resolve({ code: null, signal: null });
      this.jobs.delete(tag);
    }
    for (const [tag, call] of this.calls) {
      call.reject(new LauncherUnavailable("shim launcher: exited"));
      this.calls.delete(tag);
    }
  }

  /**
   * Forks and executes `program args...` with our stdio ("inherit"), /dev/null ("ignore") or
   * files the child opens itself (`paths`: stdin read, stdout and stderr written; an exec's
   * FIFOs) and a pipe as fd 3; resolves once the first line on that pipe (or its EOF) has come,
   * as LinuxSys.spawnShim does. Rejects with LauncherUnavailable if the launcher cannot take it.
   */
  async spawn(program: string, args: string[], stdio: "inherit" | "ignore" | { paths: readonly [string, string, string] }): Promise<ShimSpawnResult> {
    const sock = this.ensureStarted();
    const tag = String(++this.seq);
    const pid = deferred<number>();
    const sync = deferred<string>();
    const exit = deferred<ProcessExit>();
    this.jobs.set(tag, { pid, sync, exit });
    sock.ref();
    const mode = typeof stdio === "string" ? [stdio] : ["paths", ...stdio.paths.map((p) => resolve(p))];
    sock.write(formatLine("spawn", tag, ...mode, program, ...args));
    const childPid = await pid.promise;
    const syncLine = await sync.promise;
    return { pid: childPid, syncLine, exited: exit.promise };
  }

  /**
   * mount(2) done by the launcher itself (it is in our mount namespace), so no fork of this
   * process: see native/README.md. Rejects with an ErrnoException-like error (`code` such as
   * "EINVAL", the launcher's message) or LauncherUnavailable.
   */
  mount(req: MountRequest): Promise<void> {
    // Targets absolute against our cwd: the launcher's changes while it mounts with `cwd`, and
    // unmounts run in threads beside that.
    return this.call("mount", ["mount", req.source, resolve(req.target), req.fstype, String(req.flags), req.data, req.cwd ?? ""]);
  }

  /** mkfifo(3) of each path (all or none), by the launcher. An older launcher rejects with LauncherUnavailable. */
  mkfifo(paths: readonly string[], mode = 0o600): Promise<void> {
    return this.call("mkfifo", ["mkfifo", mode.toString(8), ...paths.map((p) => resolve(p))]);
  }

  /** umount2(2) with MNT_* flags, by the launcher. EINVAL: nothing is mounted at target. */
  umount(target: string, flags: number): Promise<void> {
    return this.call("umount2", ["umount", resolve(target), String(flags)]);
  }

  /**
   * A mount whose image directories are idmapped first (`idmapped_mount`, native/README.md):
   * an overlay's lowerdirs, or a bind's source. Maps are "container:host:size[,...]" (the
   * /proc/PID/uid_map lines, comma-joined). An older launcher rejects with LauncherUnavailable.
   */
  idmappedMount(req: MountRequest, uidMap: string, gidMap: string): Promise<void> {
    return this.call("idmapped_mount", ["idmapped_mount", req.source, req.target, req.fstype, String(req.flags), req.data, req.cwd ?? "", uidMap, gidMap]);
  }

  private async call(syscall: string, fields: string[]): Promise<void> {
    const sock = this.ensureStarted();
    const tag = String(++this.seq);
    const [what, ...rest] = fields;
    return new Promise<void>((resolve, reject) => {
      this.calls.set(tag, { syscall, resolve, reject });
      sock.ref();
      sock.write(formatLine(what!, tag, ...rest));
    });
  }

  /** Stops the launcher (shims it started are not affected). */
  close(): void {
    this.sock?.destroy();
    this.child = undefined;
  }
}
