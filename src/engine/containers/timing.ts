import { internal } from "../../errors/EngineError.js";

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** `p`, or an Internal error after `ms` (calling `onTimeout` first, to drop a waiter). */
export async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => {
      onTimeout();
      reject(internal(`${what}: no answer within ${ms / 1000} s`));
    }, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}


// Timing marks of the start/exit path (BERTH_TIMING, src/util/timingMarks.ts).
export { mark } from "../../util/timingMarks.js";
