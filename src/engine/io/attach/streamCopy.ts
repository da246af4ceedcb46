import type { Writable } from "node:stream";

/**
 * Writes to a client stream honouring backpressure; resolves early if the stream closes or
 * the signal fires (a vanished client must not hold the session forever).
 */
export function writeOut(w: Writable, data: Buffer, signal?: AbortSignal): Promise<void> {
  if (w.destroyed || w.writableEnded || signal?.aborted) return Promise.resolve();
  if (w.write(data)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      w.off("drain", done);
      w.off("close", done);
      w.off("error", done);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    w.on("drain", done);
    w.on("close", done);
    w.on("error", done);
    signal?.addEventListener("abort", done, { once: true });
  });
}
