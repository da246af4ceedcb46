import { watch } from "node:fs";
import { isSameProcessAlive } from "./status.js";
import { readExitRecord, type ExitRecord } from "./exitRecord.js";
import type { Sys } from "../sys/Sys.js";
import { unavailable } from "./errorsLocal.js";

export interface WaitTarget {
  /** Directory where the shim writes `exit`. */
  dir: string;
  shimPid: number;
  shimStartTime: string;
}

/** Fallback poll period: fs.watch normally wakes us; the poll catches a shim that died without a record. */
const POLL_MS = 100;

/**
 * Waits until the shim has written `exit` (the container ended) and returns it; returns null if
 * the shim died without writing one. Wakes on fs.watch of the state directory (the shim renames
 * exit.tmp to exit there), with a moderate poll as fallback for lost events and for shim death.
 */
export function waitForExit(sys: Sys, t: WaitTarget, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExitRecord | null> {
  return new Promise((resolve, reject) => {
    let done = false;
    let checking = false;
    let again = false;
    const finish = (err: Error | null, r?: ExitRecord | null) => {
      if (done) return;
      done = true;
      watcher?.close();
      clearInterval(poll);
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve(r ?? null);
    };
    const check = async () => {
      if (done) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const r = await readExitRecord(t.dir);
          if (r) return finish(null, r);
          if (!(await isSameProcessAlive(sys, t.shimPid, t.shimStartTime))) {
            // The shim may have renamed `exit` into place just before dying: look once more.
            return finish(null, await readExitRecord(t.dir));
          }
        } while (again && !done);
      } catch (e) {
        finish(e as Error);
      } finally {
        checking = false;
      }
    };
    const onAbort = () => finish(unavailable(`wait: aborted`));
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      watcher = watch(t.dir, { persistent: true }, () => void check());
      watcher.on("error", () => {});
    } catch {
      watcher = undefined;
    }
    const poll = setInterval(() => void check(), POLL_MS);
    const timer = opts.timeoutMs ? setTimeout(() => finish(unavailable(`wait: container did not exit within ${opts.timeoutMs} ms`)), opts.timeoutMs) : undefined;
    opts.signal?.addEventListener("abort", onAbort);
    void check();
  });
}
