/**
 * One-shot listeners keyed by container id: "the next exit" and "removal". Each resolve call
 * hands every registered listener the value and forgets them; a listener can be dropped before
 * (a wait whose client went away must not leak).
 */
export class Waiters<T> {
  private readonly byId = new Map<string, Set<(v: T) => void>>();

  add(id: string, fn: (v: T) => void): () => void {
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add(fn);
    return () => {
      set!.delete(fn);
      if (set!.size === 0 && this.byId.get(id) === set) this.byId.delete(id);
    };
  }

  /** A promise of the next value; `cancel` drops it (the promise then never settles). */
  next(id: string): { promise: Promise<T>; cancel: () => void } {
    let cancel = () => {};
    const promise = new Promise<T>((resolve) => (cancel = this.add(id, resolve)));
    return { promise, cancel };
  }

  resolve(id: string, v: T): void {
    const set = this.byId.get(id);
    if (!set) return;
    this.byId.delete(id);
    for (const fn of set) fn(v);
  }

  count(id: string): number {
    return this.byId.get(id)?.size ?? 0;
  }
}
