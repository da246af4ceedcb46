import { invalidArgument } from "../errors/EngineError.js";

/** mount(2) flag bits (linux/mount.h). */
export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  SILENT: 32768,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  I_VERSION: 1 << 23,
  STRICTATIME: 1 << 24,
  LAZYTIME: 1 << 25,
} as const;

/** Option -> [clear?, flag], as runc's libcontainer/specconv mountFlags table. */
const FLAG_OPTIONS: Readonly<Record<string, [boolean, number]>> = {
  defaults: [false, 0],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  suid: [true, MS.NOSUID],
  nosuid: [false, MS.NOSUID],
  dev: [true, MS.NODEV],
  nodev: [false, MS.NODEV],
  exec: [true, MS.NOEXEC],
  noexec: [false, MS.NOEXEC],
  sync: [false, MS.SYNCHRONOUS],
  async: [true, MS.SYNCHRONOUS],
  dirsync: [false, MS.DIRSYNC],
  remount: [false, MS.REMOUNT],
  mand: [false, MS.MANDLOCK],
  nomand: [true, MS.MANDLOCK],
  atime: [true, MS.NOATIME],
  noatime: [false, MS.NOATIME],
  diratime: [true, MS.NODIRATIME],
  nodiratime: [false, MS.NODIRATIME],
  bind: [false, MS.BIND],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  norelatime: [true, MS.RELATIME],
  strictatime: [false, MS.STRICTATIME],
  nostrictatime: [true, MS.STRICTATIME],
  lazytime: [false, MS.LAZYTIME],
  nolazytime: [true, MS.LAZYTIME],
  silent: [false, MS.SILENT],
  loud: [true, MS.SILENT],
  iversion: [false, MS.I_VERSION],
  noiversion: [true, MS.I_VERSION],
  symfollow: [true, MS.NOSYMFOLLOW],
  nosymfollow: [false, MS.NOSYMFOLLOW],
};

export const PROPAGATION_OPTIONS: Readonly<Record<string, number>> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** runc extensions berth's helper does not implement: refused instead of silently ignored. */
const UNSUPPORTED = new Set(["tmpcopyup", "idmap", "ridmap", "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime", "rdiratime", "rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime", "rnostrictatime", "rnosymfollow", "rsymfollow"]);

export interface ParsedMountOptions {
  flags: number;
  propagation: number;
  /** Filesystem-specific options for mount(2)'s data argument, comma-joined. */
  data: string;
}

export function parseMountOptions(options: readonly string[] | undefined, field = "mounts[].options"): ParsedMountOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const opt of options ?? []) {
    const f = FLAG_OPTIONS[opt];
    if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
      continue;
    }
    const p = PROPAGATION_OPTIONS[opt];
    if (p !== undefined) {
      propagation |= p;
      continue;
    }
    if (UNSUPPORTED.has(opt)) throw invalidArgument(`mount options: ${field}: option ${JSON.stringify(opt)} is not supported by berth`);
    if (opt.includes(",")) throw invalidArgument(`mount options: ${field}: option ${JSON.stringify(opt)} contains a comma`);
    data.push(opt);
  }
  return { flags, propagation, data: data.join(",") };
}

/** linux.rootfsPropagation -> flags applied recursively to the new mount namespace's `/` (default rslave, as runc). */
export function rootfsPropagationFlags(value: string | undefined): number {
  if (value === undefined || value === "") return MS.SLAVE | MS.REC;
  const p = PROPAGATION_OPTIONS[value];
  if (p === undefined) throw invalidArgument(`validate spec: linux.rootfsPropagation: unknown propagation ${JSON.stringify(value)}`);
  // The kernel only takes one propagation type per call; always recursive, as the contract says.
  return p | MS.REC;
}
