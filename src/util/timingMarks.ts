import { appendFileSync } from "node:fs";

/**
 * Timing marks for measuring a container's start/exit path (bench/README.md, daemon-run;
 * the engine re-exports it from src/engine/containers/timing.ts):
 * with BERTH_TIMING=FILE in berthd's environment each mark appends
 * `<CLOCK_MONOTONIC ns> <label>` to FILE (the clock of the shim's BERTH_SHIM_TIMING marks, so
 * both can go into one file), batched and written when the event loop is idle. Without it a
 * mark is one comparison.
 */
const TIMING_FILE = process.env.BERTH_TIMING;
let pendingMarks: string[] = [];

export function mark(label: string): void {
  if (!TIMING_FILE) return;
  if (pendingMarks.length === 0) setImmediate(flushMarks);
  pendingMarks.push(`${process.hrtime.bigint()} ${label}\n`);
}

function flushMarks(): void {
  const lines = pendingMarks.join("");
  pendingMarks = [];
  try {
    appendFileSync(TIMING_FILE!, lines);
  } catch {
    /* a measurement aid: never fails the daemon */
  }
}
