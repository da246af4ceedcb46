/**
 * One thing made ahead in idle time and taken by the next request that needs it: what berthd's
 * made-ahead sets share (a container's directory, its layer's directories, its runtime state
 * directory, its cgroup). `refillSoon` makes it `delayMs` later (made at once, its work would land
 * on the end of the request that asked for the refill), `take` hands it over once, `close` waits
 * for one being made and discards what is left, so nothing of it stays behind. What a crash
 * left is each owner's to sweep at its next start.
 */
export class MadeAhead<T> {
  private item: T | undefined;
  private filling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * `make`: makes one (undefined: could not, the caller then makes its own; it cleans up after
   * itself). `discard`: removes one nobody took.
   */
  constructor(private readonly make: () => Promise<T | undefined>, private readonly discard: (item: T) => Promise<void>, private readonly delayMs = 10) {}

  /** The one made ahead, now the caller's; undefined when none is ready (or one is being made). */
  take(): T | undefined {
    const item = this.item;
    this.item = undefined;
    return item;
  }

  /** Makes the next one after delayMs, unless one is ready or being made. */
  refillSoon(): void {
    if (this.closed || this.timer || this.item !== undefined || this.filling) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
    }, this.delayMs).unref();
  }

  /** Starts making the next one now, unless one is ready or being made. */
  refill(): void {
    if (this.closed || this.item !== undefined || this.filling) return;
    this.filling = this.make()
      .then(async (item) => {
        if (item === undefined) return;
        if (this.closed) await this.discard(item);
        else this.item = item;
      })
      // Only an optimisation: the next request makes its own.
      .catch(() => {})
      .finally(() => (this.filling = undefined));
  }

  /** Resolves once one being made is ready (or given up); at once when none is being made. */
  async made(): Promise<void> {
    await this.filling;
  }

  /** Cancels a refill still due, waits for one being made and discards the one nobody took. */
  async drop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.filling;
    const item = this.take();
    if (item !== undefined) await this.discard(item);
  }

  /** No more refills; then as drop. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drop();
  }
}
