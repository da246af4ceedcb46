import { nextBackoff } from "./restartPolicy.js";

/**
 * Pending restarts of exited containers, with Docker's back-off kept per container (100 ms
 * doubling, reset after 10 s of running). Cancelled by stop/kill/rm and cleared at shutdown.
 */
export class RestartScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly delays = new Map<string, number>();

  /** Schedules `fn` after the next back-off delay; returns the delay. */
  schedule(id: string, ranMs: number, fn: () => void): number {
    this.cancel(id);
    const delay = nextBackoff(this.delays.get(id) ?? 0, ranMs);
    this.delays.set(id, delay);
    this.timers.set(id, setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, delay));
    return delay;
  }

  cancel(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  /** The container is gone: forget its back-off too. */
  forget(id: string): void {
    this.cancel(id);
    this.delays.delete(id);
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
