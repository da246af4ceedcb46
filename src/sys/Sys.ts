import type { Hook } from "../oci/runtime.js";

/**
 * The OS seam of the runtime: everything that starts or signals processes or reads /proc goes
 * through this interface, so lifecycle logic is unit-tested against RecordingSys (youki's
 * syscall trait). File work in state directories uses node:fs directly on a root the caller
 * passes (tests use a temp dir).
 */
export interface ProcStat {
  pid: number;
  /** One-letter state from /proc/PID/stat (R S D Z T t X I ...). */
  state: string;
  /** Field 22: start time in clock ticks after boot; defeats pid reuse. */
  startTime: string;
}

export interface FileId {
  dev: number;
  ino: number;
}

export type ShimStdio =
  | "inherit"
  | "ignore"
  /** Explicit fds for the shim's 0, 1, 2 ("ignore" = /dev/null). */
  | { stdin: number | "ignore"; stdout: number | "ignore"; stderr: number | "ignore" };

export interface ShimSpawnRequest {
  shimPath: string;
  /** Arguments after the program name; the sync pipe is fd 3 (pass `--sync-fd 3`). */
  args: string[];
  stdio: ShimStdio;
  /**
   * Start it in a new session, out of the caller's process group, so terminal-generated
   * signals (Ctrl-C) reach only the caller, which forwards them once.
   */
  newSession?: boolean;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ShimSpawnResult {
  /** Pid of the spawned (foreground) shim process. */
  pid: number;
  /** First line written on the sync pipe, without its newline; "" if it closed without one. */
  syncLine: string;
  /** Resolves when the spawned process exits (after reporting for `create`; at the end for foreground `exec`). */
  exited: Promise<ProcessExit>;
}

/** One mount(2) call (plus the remount a read-only bind needs), see native/README.md "launcher". */
export interface MountRequest {
  source: string;
  target: string;
  /** "" for a bind. */
  fstype: string;
  /** MS_* bits; with MS_BIND, bits besides MS_BIND|MS_REC are applied by a bind remount. */
  flags: number;
  /** Filesystem options (e.g. overlay's lowerdir=...), "" for none. */
  data: string;
  /** Working directory during the call (relative overlay lowerdirs); default: unchanged. */
  cwd?: string;
}

export interface Sys {
  spawnShim(req: ShimSpawnRequest): Promise<ShimSpawnResult>;
  /** kill(2); throws an ErrnoException (ESRCH when gone). */
  kill(pid: number, signal: number): void;
  /** Parsed /proc/PID/stat, or null if there is no such process. */
  procStat(pid: number): Promise<ProcStat | null>;
  /** Device and inode of the program a process runs (stat of /proc/PID/exe: valid across mount namespaces), or null. */
  procExeId(pid: number): Promise<FileId | null>;
  /** Device and inode of a file, or null if missing. */
  fileId(path: string): Promise<FileId | null>;
  /** argv of a process from /proc/PID/cmdline, or null if there is no such process. */
  procCmdline(pid: number): Promise<string[] | null>;
  /** Runs an OCI hook with the state JSON on stdin; rejects on non-zero exit or timeout. */
  runHook(hook: Hook, stateJson: string): Promise<void>;
  /**
   * mount(2) in the caller's mount namespace without forking the caller. Rejects with an
   * ErrnoException (`code`), or with LauncherUnavailable (src/sys/shimLauncher.ts) when it
   * cannot be done this way: the caller then falls back to mount(8).
   */
  mount?(req: MountRequest): Promise<void>;
  /** umount2(2) with MNT_* flags (0: a busy mount is EBUSY); EINVAL when nothing is mounted at target. Same errors as mount. */
  unmount?(target: string, flags: number): Promise<void>;
}
