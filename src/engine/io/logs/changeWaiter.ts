import { watch, type FSWatcher } from "node:fs";

/**
 * Wakes a follower when something changes in a set of directories (fs.watch), with a poll as a
 * fallback for lost events (rotation renames, filesystems without inotify). `wait` resolves on
 * the next change since the previous wait, after `pollMs`, or when the signal fires.
 */
export class ChangeWaiter {
  private readonly watchers: FSWatcher[] = [];
  private changed = false;
  private wake: (() => void) | null = null;

  constructor(dirs: readonly string[], private readonly pollMs: number) {
    for (const d of dirs) {
      try {
        const w = watch(d, { persistent: false }, () => this.poke());
        w.on("error", () => {}); // a removed directory: the poll still runs
        this.watchers.push(w);
      } catch {
        /* missing directory: rely on the poll */
      }
    }
  }

  private poke(): void {
    this.changed = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (this.changed || signal?.aborted) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.wake = null;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      signal?.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    this.poke();
  }
}
