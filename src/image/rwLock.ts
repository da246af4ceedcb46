/**
 * A small async readers-writer lock. Operations that add content (pull, load, commit, unpack)
 * hold it shared; garbage collection holds it exclusively, so it never deletes a blob that an
 * operation has written but not yet recorded.
 */
export class RwLock {
  private readers = 0;
  private writer = false;
  private queue: Array<{ exclusive: boolean; wake: () => void }> = [];

  private pump(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (next.exclusive) {
        if (this.readers === 0 && !this.writer) {
          this.queue.shift();
          this.writer = true;
          next.wake();
        }
        return;
      }
      if (this.writer) return;
      this.queue.shift();
      this.readers++;
      next.wake();
    }
  }

  private acquire(exclusive: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      this.queue.push({
        exclusive,
        wake: () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            if (exclusive) this.writer = false;
            else this.readers--;
            this.pump();
          });
        },
      });
      this.pump();
    });
  }

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(false);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(true);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
