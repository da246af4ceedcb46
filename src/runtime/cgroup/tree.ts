import { join } from "node:path";
import { EngineError, failedPrecondition, wrapError } from "../../errors/EngineError.js";
import type { CgroupFs } from "./cgroupFs.js";
import { causeErrno, errnoOf, sleep } from "./control.js";

/**
 * Directory-level operations shared by v1 and v2: making a cgroup path level by level
 * (remembering what was made, so a failed create can undo exactly that), removing a cgroup
 * leaf-first, and listing the processes of a subtree.
 */

/**
 * Creates `base/parts...` one level at a time; returns the directories this call created,
 * outermost first. `onLevel` runs for each level (made or found) and may run again for the same
 * level when the path is started over.
 */
export async function makePath(fs: CgroupFs, base: string, parts: string[], onLevel?: (dir: string, parent: string, created: boolean) => Promise<void>): Promise<string[]> {
  const created: string[] = [];
  let dir = base;
  try {
    // A shared ancestor can vanish between our EEXIST and the next step (another create rolling
    // back, or the last container's removal, rmdirs the now-empty /berth): the next mkdir then
    // fails with ENOENT, and a write to a control file of the removed level with ENODEV (or
    // ENOENT). Either starts over from the top, a few times. Only a missing `base` is final.
    for (let attempt = 1; ; attempt++) {
      dir = base;
      let baseMissing = false;
      try {
        for (const p of parts) {
          const parent = dir;
          dir = join(dir, p);
          let made = false;
          try {
            await fs.mkdir(dir);
            made = true;
            created.push(dir);
          } catch (e) {
            baseMissing = parent === base && errnoOf(e) === "ENOENT";
            if (errnoOf(e) !== "EEXIST") throw e;
          }
          if (onLevel) await onLevel(dir, parent, made);
        }
        break;
      } catch (e) {
        const code = causeErrno(e);
        if ((code !== "ENOENT" && code !== "ENODEV") || baseMissing || attempt >= 3) throw e;
      }
    }
  } catch (e) {
    // Errors already naming their field keep their message; raw mkdir errors get the directory.
    const w = e instanceof EngineError ? e : wrapError(e, `make cgroup directory ${dir}`);
    throw new EngineError(w.kind, w.message, { cause: e, cleanupErrors: [...w.cleanupErrors, ...(await removeCreated(fs, created))], detail: w.detail });
  }
  return created;
}

/**
 * Undoes `makePath`: removes the directories it made, innermost first. A directory another
 * create started using meanwhile is not empty and stays (EBUSY/ENOTEMPTY are not errors here).
 */
export async function removeCreated(fs: CgroupFs, created: string[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const dir of [...created].reverse()) {
    try {
      await fs.rmdir(dir);
    } catch (e) {
      const code = errnoOf(e);
      if (code === "ENOENT" || code === "EBUSY" || code === "ENOTEMPTY") continue;
      errors.push(wrapError(e, `remove cgroup ${dir}`));
    }
  }
  return errors;
}

/**
 * rmdir of one cgroup only if it is empty (no child cgroups, no processes): for a parent that
 * containers share, removed when its last container goes. Busy or missing is not an error.
 * Returns whether it was removed. A create racing with this sees ENOENT and starts over
 * (makePath).
 */
export async function removeIfEmpty(fs: CgroupFs, dir: string): Promise<boolean> {
  try {
    await fs.rmdir(dir);
    return true;
  } catch (e) {
    const code = errnoOf(e);
    if (code === "ENOENT" || code === "EBUSY" || code === "ENOTEMPTY") return false;
    throw wrapError(e, `remove cgroup ${dir}`);
  }
}

export interface RemoveOptions {
  /** Attempts per directory while the kernel still reports EBUSY (exiting processes). */
  attempts?: number;
  delayMs?: number;
}

/** rmdir of `dir` and every child cgroup below it, leaf first; a missing directory is success. */
export async function removeTree(fs: CgroupFs, dir: string, opts: RemoveOptions = {}): Promise<void> {
  // A container's cgroup is nearly always an empty leaf by now: try that first, which saves a
  // directory listing per hierarchy. Child cgroups or processes make it EBUSY (ENOTEMPTY on a
  // plain directory): then list, remove leaf first, and retry as below.
  try {
    await fs.rmdir(dir);
    return;
  } catch (e) {
    const code = errnoOf(e);
    if (code === "ENOENT") return;
    if (code !== "EBUSY" && code !== "ENOTEMPTY") throw wrapError(e, `remove cgroup ${dir}`);
  }
  let children: string[];
  try {
    children = await fs.subdirs(dir);
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return;
    throw wrapError(e, `remove cgroup ${dir}`);
  }
  for (const c of children) await removeTree(fs, join(dir, c), opts);
  const attempts = opts.attempts ?? 50;
  for (let i = 1; ; i++) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || i >= attempts) {
        if (code === "EBUSY") {
          const left = await readPids(fs, dir).catch(() => []);
          throw failedPrecondition(`remove cgroup ${dir}: still in use after ${attempts} attempts${left.length ? ` (processes: ${left.join(",")})` : ""}`, { cause: e });
        }
        throw wrapError(e, `remove cgroup ${dir}`);
      }
      await sleep(opts.delayMs ?? 20);
    }
  }
}

/** Pids in `dir`/cgroup.procs and in every child cgroup, sorted, without duplicates. */
export async function readPids(fs: CgroupFs, dir: string): Promise<number[]> {
  const out = new Set<number>();
  async function walk(d: string): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(join(d, "cgroup.procs"));
    } catch (e) {
      if (errnoOf(e) === "ENOENT") return; // removed while walking
      throw wrapError(e, `list processes of cgroup ${d}`);
    }
    for (const l of text.split("\n")) {
      const n = Number(l.trim());
      if (l.trim() !== "" && Number.isInteger(n)) out.add(n);
    }
    let children: string[] = [];
    try {
      children = await fs.subdirs(d);
    } catch (e) {
      if (errnoOf(e) !== "ENOENT") throw wrapError(e, `list child cgroups of ${d}`);
    }
    for (const c of children) await walk(join(d, c));
  }
  await walk(dir);
  return [...out].sort((a, b) => a - b);
}
