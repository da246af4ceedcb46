import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { readExitRecord, type ExitRecord } from "../../runtime/exitRecord.js";
import { isSameProcessAlive } from "../../runtime/status.js";
import type { Sys } from "../../sys/Sys.js";

export interface ExitTarget {
  /** The shim's state directory (ctl.sock, exit). */
  dir: string;
  shimPid: number;
  shimStartTime: string;
}

/** How often every watched container is checked anyway (a missed close, a failed connect). */
const SWEEP_MS = 5000;
/** After a connection that ended while the shim lives on (should not happen): reconnect after. */
const RECONNECT_MS = 1000;

interface Watch {
  t: ExitTarget;
  onExit: (exit: ExitRecord | null) => void;
  sock: Socket | null;
  checking: boolean;
  again: boolean;
  done: boolean;
  retry?: NodeJS.Timeout;
}

/**
 * Waits for the exits of many containers at no cost while they run: one idle connection per
 * container to its shim's ctl.sock. The shim writes `exit` before it closes its connections
 * (native/README.md), and the kernel closes them if the shim dies any other way, so the close
 * of that connection is the exit signal; `exit` is then read at once. A single slow sweep over
 * all watched containers (every 5 s) catches what a connection could not tell (the socket could
 * not be opened, e.g. out of fds). Replaces a per-container fs.watch + 100 ms poll.
 */
export class ExitMonitor {
  private readonly watches = new Map<string, Watch>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly sys: Sys, private readonly log: (msg: string) => void = () => {}, private readonly sweepMs = SWEEP_MS) {}

  /** Watches `id` until its shim ends; `onExit` gets the exit record (null: shim gone without one). */
  watch(id: string, t: ExitTarget, onExit: (exit: ExitRecord | null) => void): () => void {
    this.cancel(id);
    const w: Watch = { t, onExit, sock: null, checking: false, again: false, done: false };
    this.watches.set(id, w);
    this.connect(id, w);
    this.sweep ??= setInterval(() => this.sweepAll(), this.sweepMs).unref();
    return () => {
      if (this.watches.get(id) === w) this.cancel(id);
    };
  }

  /** How many containers are watched (for tests and diagnostics). */
  size(): number {
    return this.watches.size;
  }

  cancel(id: string): void {
    const w = this.watches.get(id);
    if (!w) return;
    this.drop(id, w);
  }

  close(): void {
    for (const [id, w] of this.watches) this.drop(id, w);
  }

  private drop(id: string, w: Watch): void {
    w.done = true;
    clearTimeout(w.retry);
    w.sock?.destroy();
    w.sock = null;
    if (this.watches.get(id) === w) this.watches.delete(id);
    if (this.watches.size === 0 && this.sweep) {
      clearInterval(this.sweep);
      this.sweep = undefined;
    }
  }

  private connect(id: string, w: Watch): void {
    if (w.done) return;
    const sock = connect(join(w.t.dir, "ctl.sock"));
    w.sock = sock;
    // Nothing is ever sent on this connection; the shim sends nothing unasked either.
    sock.on("data", () => {});
    sock.on("error", () => {});
    sock.once("close", () => {
      if (w.sock === sock) w.sock = null;
      void this.check(id, w, true);
    });
  }

  private sweepAll(): void {
    for (const [id, w] of this.watches) void this.check(id, w, false);
  }

  /** Is it over? `closed`: our connection just ended (reconnect if the shim still lives). */
  private async check(id: string, w: Watch, closed: boolean): Promise<void> {
    if (w.done) return;
    if (w.checking) {
      w.again ||= closed;
      return;
    }
    w.checking = true;
    try {
      let reconnect = closed;
      for (;;) {
        let exit = await readExitRecord(w.t.dir);
        if (!exit && (await isSameProcessAlive(this.sys, w.t.shimPid, w.t.shimStartTime))) {
          if (reconnect && !w.done && !w.sock) {
            clearTimeout(w.retry);
            w.retry = setTimeout(() => {
              w.retry = undefined;
              this.connect(id, w);
            }, RECONNECT_MS).unref();
          } else if (!w.done && !w.sock && !w.retry) {
            this.connect(id, w);
          }
        } else {
          // The shim may have renamed `exit` into place just before dying: look once more.
          exit ??= await readExitRecord(w.t.dir);
          if (w.done) return;
          this.drop(id, w);
          w.onExit(exit);
          return;
        }
        if (!w.again || w.done) return;
        reconnect = w.again;
        w.again = false;
      }
    } catch (e) {
      this.log(`container ${id}: checking its exit failed: ${(e as Error).message}`);
    } finally {
      w.checking = false;
    }
  }
}
