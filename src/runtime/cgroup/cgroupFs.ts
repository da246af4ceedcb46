import { closeSync, constants, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmdirSync, statSync, writeSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename } from "node:path";

/**
 * The file operations the cgroup code performs, behind one seam (youki's habit): the real
 * implementation talks to cgroupfs; tests wrap it to record every write and to emulate the
 * kernel creating control files on mkdir. Paths are absolute host paths.
 */
export interface CgroupFs {
  readFile(path: string): Promise<string>;
  /** One write(2) of `data` to an existing control file; never creates it (the kernel owns the files). */
  writeFile(path: string, data: string): Promise<void>;
  /** Creates one directory level; throws EEXIST if present. */
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Names of the subdirectories (child cgroups) of `path`. */
  subdirs(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /** rename(2) of a cgroup directory within its parent (cgroup v1 only; v2 refuses it). */
  rename?(from: string, to: string): Promise<void>;
}

/** O_WRONLY|O_TRUNC without O_CREAT: some control files are write-only (cgroup.kill), none may be created. */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

function writeOnce(path: string, data: string): void {
  const fd = openSync(path, WRITE_FLAGS);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/**
 * Control files whose write may wait in the kernel: memory limits reclaim down to the new value,
 * and migrations or controller changes wait for an RCU grace period (cgroup_threadgroup_rwsem).
 * These go through libuv's thread pool so the event loop never waits on them.
 */
const MAY_BLOCK = /^(memory\.|cgroup\.(procs|threads|subtree_control|type)$|tasks$)/;

/**
 * cgroupfs lives in memory and answers in microseconds, while a thread-pool round trip costs
 * ~100 µs: everything else is done synchronously (a container's create and delete make dozens
 * of these calls). The Promise interface stays, for the seam and its test fakes.
 */
export const nodeCgroupFs: CgroupFs = {
  readFile: async (path) => readFileSync(path, "utf8"),
  writeFile: async (path, data) => {
    if (MAY_BLOCK.test(basename(path))) await writeFile(path, data, { flag: WRITE_FLAGS });
    else writeOnce(path, data);
  },
  mkdir: async (path) => {
    mkdirSync(path);
  },
  rmdir: async (path) => rmdirSync(path),
  rename: async (from, to) => renameSync(from, to),
  subdirs: async (path) => {
    const entries = readdirSync(path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  },
  // throwIfNoEntry: a missing cgroup is the common answer, and a thrown ENOENT costs ~5x the stat.
  exists: async (path) => statSync(path, { throwIfNoEntry: false }) !== undefined,
};
