import { open } from "node:fs/promises";
import { isPartialRecord } from "./criRecord.js";

/** Where reading starts: a file of the list and a byte offset in it. */
export interface LogPosition { fileIndex: number; offset: number }

const CHUNK = 64 * 1024;

/**
 * Finds where the last `lines` messages begin, reading backwards from the end of the newest
 * file (and into older ones only as far as needed), so `logs --tail N` costs O(N), not O(log
 * size). A message is an `F` record with the `P` records before it (or the `P` records at the
 * very end), so the start is just after the (lines+1)-th message from the end. A trailing record without newline (being written)
 * is not counted. Returns the start of the oldest file when there are fewer messages.
 */
export async function findTailStart(files: readonly string[], lines: number): Promise<LogPosition> {
  let seen = 0;
  // `P` records at the very end (a line the process has not finished) count as one message.
  let trailing = true;
  for (let fi = files.length - 1; fi >= 0; fi--) {
    const fh = await open(files[fi]!, "r").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return null; // rotated away meanwhile
      throw e;
    });
    if (!fh) continue;
    try {
      const size = (await fh.stat()).size;
      // A window [winStart, winStart + win.length) of the file, grown backwards on demand.
      let win = Buffer.alloc(0);
      let winStart = size;
      const grow = async (): Promise<boolean> => {
        if (winStart === 0) return false;
        const from = Math.max(0, winStart - CHUNK);
        const buf = Buffer.alloc(winStart - from);
        const { bytesRead } = await fh.read(buf, 0, buf.length, from);
        win = Buffer.concat([buf.subarray(0, bytesRead), win]);
        winStart = from;
        return true;
      };
      // The end of the last complete record.
      let end = size;
      for (;;) {
        const nl = win.lastIndexOf(0x0a);
        if (nl >= 0) { end = winStart + nl + 1; break; }
        if (!(await grow())) { end = 0; break; }
      }
      let pos = end;
      while (pos > 0) {
        // The record ending at pos (its newline at pos - 1) starts after the previous newline.
        let prev = -1;
        for (;;) {
          const rel = pos - 1 - winStart;
          prev = rel > 0 ? win.lastIndexOf(0x0a, rel - 1) : -1;
          if (prev >= 0 || winStart === 0) break;
          await grow();
        }
        const start = prev >= 0 ? winStart + prev + 1 : 0;
        const record = win.subarray(start - winStart, pos - 1 - winStart);
        const partial = isPartialRecord(record);
        if (!partial || trailing) {
          if (seen === lines) return { fileIndex: fi, offset: pos };
          seen++;
          trailing = false;
        }
        pos = start;
        // Keep the window small: nothing after `pos` is needed again.
        if (win.length > 4 * CHUNK) win = win.subarray(0, pos - winStart);
      }
    } finally {
      await fh.close();
    }
  }
  return { fileIndex: 0, offset: 0 };
}
