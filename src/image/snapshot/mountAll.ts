import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { EngineError, internal, invalidArgument } from "../../errors/EngineError.js";
import { LinuxSys } from "../../sys/linuxSys.js";
import { LauncherUnavailable } from "../../sys/shimLauncher.js";
import type { MountRequest, Sys } from "../../sys/Sys.js";
import type { SnapshotMount } from "./Snapshotter.js";

const run = promisify(execFile);

/** What mountAll needs of the OS: mount(2)/umount2(2) without forking the caller, if it has them. */
export type MountSys = Pick<Sys, "mount" | "unmount">;

let host: LinuxSys | undefined;
/**
 * The default: LinuxSys, whose mounts go through the process's one `berth-shim launcher` (a
 * fork of this process for mount(8) costs 9-14 ms in the daemon and blocks its event loop).
 * Without a launcher (not built, or too old) every call falls back to mount(8)/umount(8).
 */
function hostSys(): MountSys {
  return (host ??= new LinuxSys());
}

/**
 * Mounts snapshot mounts onto `target` in order, honouring `cwd` for relative overlay
 * lowerdirs. On failure, whatever was mounted is unmounted again and both errors are reported.
 * Needs root (CAP_SYS_ADMIN).
 */
export async function mountAll(mounts: readonly SnapshotMount[], target: string, sys: MountSys = hostSys()): Promise<void> {
  if (mounts.length === 0) throw invalidArgument("mount rootfs: no mounts given");
  const done: number[] = [];
  try {
    for (const [i, m] of mounts.entries()) {
      await mountOne(m, target, sys);
      done.push(i);
    }
  } catch (e) {
    const cleanupErrors: unknown[] = [];
    for (const _ of done) {
      try {
        await unmount(target, sys);
      } catch (ce) {
        cleanupErrors.push(ce);
      }
    }
    if (e instanceof EngineError) throw new EngineError(e.kind, e.message, { cause: e.cause, cleanupErrors });
    throw e;
  }
}

async function mountOne(m: SnapshotMount, target: string, sys: MountSys): Promise<void> {
  const req = mountRequest(m, target);
  if (sys.mount) {
    try {
      return await sys.mount(req);
    } catch (e) {
      if (!(e instanceof LauncherUnavailable)) throw internal(`mount rootfs: mount -t ${m.type} on ${target} failed: ${(e as Error).message}`, { cause: e });
      // No launcher, or it died with the request in flight: then the mount may exist and the
      // one below stacks on it; unmountAll takes stacks down whole.
    }
  }
  try {
    await run("mount", mountArgs(m, target), { cwd: m.cwd ?? "/" });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw internal(`mount rootfs: mount -t ${m.type} on ${target} failed: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}

// MS_* bits of mount(2) (linux/mount.h) and what each option of mount(8) does to them.
const MS = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, MANDLOCK: 64, DIRSYNC: 128, NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, REC: 16384, RELATIME: 1 << 21, STRICTATIME: 1 << 24, LAZYTIME: 1 << 25 } as const;
const SETS: Record<string, number> = { ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS, mand: MS.MANDLOCK, dirsync: MS.DIRSYNC, nosymfollow: MS.NOSYMFOLLOW, noatime: MS.NOATIME, nodiratime: MS.NODIRATIME, bind: MS.BIND, rbind: MS.BIND | MS.REC, relatime: MS.RELATIME, strictatime: MS.STRICTATIME, lazytime: MS.LAZYTIME };
const CLEARS: Record<string, number> = { rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS, nomand: MS.MANDLOCK, atime: MS.NOATIME, diratime: MS.NODIRATIME, norelatime: MS.RELATIME, nostrictatime: MS.STRICTATIME, nolazytime: MS.LAZYTIME, defaults: 0 };

/** A snapshot mount as one mount(2) request: flag options become MS_* bits, the rest the data string. */
export function mountRequest(m: SnapshotMount, target: string): MountRequest {
  let flags = m.type === "bind" ? MS.BIND : 0;
  const data: string[] = [];
  for (const o of m.options) {
    if (Object.hasOwn(SETS, o)) flags |= SETS[o]!;
    else if (Object.hasOwn(CLEARS, o)) flags &= ~CLEARS[o]!;
    else if (o.includes(",") && !o.startsWith("lowerdir=")) throw invalidArgument(`mount rootfs: option with a comma: ${JSON.stringify(m.options)}`);
    else data.push(o);
  }
  const bind = (flags & MS.BIND) !== 0;
  return { source: m.source, target, fstype: bind ? "" : m.type, flags, data: data.join(","), ...(m.cwd ? { cwd: m.cwd } : {}) };
}

function mountArgs(m: SnapshotMount, target: string): string[] {
  const opts = [...m.options];
  const bind = m.type === "bind" || opts.includes("bind") || opts.includes("rbind");
  if (bind) {
    // mount(8) applies "ro" of a bind with a second remount itself.
    const flags = opts.filter((o) => o !== "bind" && o !== "rbind");
    const kind = opts.includes("rbind") ? "rbind" : "bind";
    return ["--no-mtab", "-o", [kind, ...flags].join(","), m.source, target];
  }
  if (opts.some((o) => o.includes(",") && !o.startsWith("lowerdir="))) throw invalidArgument(`mount rootfs: option with a comma: ${JSON.stringify(opts)}`);
  return ["--no-mtab", "-t", m.type, "-o", opts.join(","), m.source, target];
}

/** Unmounts one mount at `target` (lazy fallback is not used: a busy rootfs is an error). */
export async function unmount(target: string, sys: MountSys = hostSys()): Promise<void> {
  if (!(await unmountTop(target, sys))) throw internal(`unmount ${target}: not mounted`);
}

/**
 * Unmounts the top mount at `target`; false if nothing is mounted there. umount2 answers that
 * itself (EINVAL: not a mount point; ENOENT: no such path), so no mountinfo is read: with a
 * thousand containers it is ~330 KiB per read. Without a launcher: umount(8) after a look at
 * mountinfo.
 */
async function unmountTop(target: string, sys: MountSys): Promise<boolean> {
  if (sys.unmount) {
    try {
      await sys.unmount(target, 0);
      return true;
    } catch (e) {
      if (e instanceof LauncherUnavailable) return unmountTopExec(target);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EINVAL" || code === "ENOENT") return false;
      throw internal(`unmount ${target}: ${(e as Error).message}`, { cause: e });
    }
  }
  return unmountTopExec(target);
}

async function unmountTopExec(target: string): Promise<boolean> {
  if (!(await isMountPoint(target))) return false;
  try {
    await run("umount", [target]);
    return true;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw internal(`unmount ${target}: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}

/** Is anything mounted exactly at `path`? (reads /proc/self/mountinfo) */
export async function isMountPoint(path: string): Promise<boolean> {
  const abs = resolve(path);
  const info = await readFile("/proc/self/mountinfo", "utf8");
  return info.split("\n").some((line) => {
    const mp = line.split(" ")[4];
    return mp !== undefined && unescapeMountinfo(mp) === abs;
  });
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Unmounts everything stacked at `target` (mountAll may have mounted several layers there). */
export async function unmountAll(target: string, sys: MountSys = hostSys()): Promise<void> {
  for (let i = 0; i < 64; i++) if (!(await unmountTop(target, sys))) return;
  throw internal(`unmount ${target}: still mounted after 64 unmounts`);
}
