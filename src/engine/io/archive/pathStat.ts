import type { Stats } from "node:fs";

/** The stat Docker sends in X-Docker-Container-Path-Stat (types/container PathStat). */
export interface ContainerPathStat { name: string; size: number; mode: number; mtime: string; linkTarget: string }

// Go's os.FileMode bits: clients (the docker CLI) test mode.IsDir() etc. on them.
const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;
const GO_DEVICE = 2 ** 26;
const GO_NAMED_PIPE = 2 ** 25;
const GO_SOCKET = 2 ** 24;
const GO_SETUID = 2 ** 23;
const GO_SETGID = 2 ** 22;
const GO_CHAR_DEVICE = 2 ** 21;
const GO_STICKY = 2 ** 20;

/** A Unix stat as Go's os.FileMode (permission bits + Go's type and special bits). */
export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m += GO_DIR;
  else if (st.isSymbolicLink()) m += GO_SYMLINK;
  else if (st.isFIFO()) m += GO_NAMED_PIPE;
  else if (st.isSocket()) m += GO_SOCKET;
  else if (st.isBlockDevice()) m += GO_DEVICE;
  else if (st.isCharacterDevice()) m += GO_DEVICE + GO_CHAR_DEVICE;
  if (st.mode & 0o4000) m += GO_SETUID;
  if (st.mode & 0o2000) m += GO_SETGID;
  if (st.mode & 0o1000) m += GO_STICKY;
  return m;
}

export function isGoDir(mode: number): boolean {
  return mode >= GO_DIR;
}
