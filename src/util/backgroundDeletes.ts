import { readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Recursive deletes that run after the caller has returned: a directory is first renamed to a
 * `.rm-<name>` sibling (one rename, so it is gone by name at once and a crash leaves a name
 * `sweep` recognises), then deleted in the background. A container's removal thus answers
 * without waiting for thousands of unlinks; `flush` lets shutdown wait for them.
 */
export class BackgroundDeletes {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly onError: (path: string, e: unknown) => void = () => {}) {}

  /** Renames `dir` out of the way and starts deleting it. A missing `dir` is nothing to do. */
  async remove(dir: string): Promise<void> {
    const doomed = join(dirname(dir), `${TRASH_PREFIX}${basename(dir)}`);
    try {
      await rename(dir, doomed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    this.start(doomed);
  }

  /** Starts deleting `path`, which the caller has already renamed out of the way. */
  start(path: string): void {
    const p: Promise<void> = rm(path, { recursive: true, force: true })
      .catch((e: unknown) => this.onError(path, e))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Waits until every delete started so far (and any started meanwhile) has finished. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Deletes the `.rm-*` leftovers in `parent` (a crash mid-delete); returns their names. */
  static async sweep(parent: string): Promise<string[]> {
    let names: string[];
    try {
      names = (await readdir(parent)).filter((n) => n.startsWith(TRASH_PREFIX));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    await Promise.all(names.map((n) => rm(join(parent, n), { recursive: true, force: true })));
    return names;
  }
}

const TRASH_PREFIX = ".rm-";
