import { constants } from "node:fs";
import { mkdir, readFile, readdir, rmdir, stat, writeFile } from "node:fs/promises";

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
}

/** O_WRONLY|O_TRUNC without O_CREAT: some control files are write-only (cgroup.kill), none may be created. */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

export const nodeCgroupFs: CgroupFs = {
  readFile: (path) => readFile(path, "utf8"),
  writeFile: (path, data) => writeFile(path, data, { flag: WRITE_FLAGS }),
  mkdir: async (path) => {
    await mkdir(path);
  },
  rmdir: (path) => rmdir(path),
  subdirs: async (path) => {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  },
  exists: async (path) => {
    try {
      await stat(path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
  },
};
