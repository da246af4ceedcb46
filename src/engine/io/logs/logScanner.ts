import { open, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { ChangeWaiter } from "./changeWaiter.js";
import { CriChunkParser, type CriRecordVisitor } from "./criChunkParser.js";
import { listLogFiles } from "./logFiles.js";
import type { LogMessageAssembler } from "./logMessages.js";
import { findTailStart, type LogPosition } from "./tailStart.js";

export interface ScanLogOptions {
  /** The current log file; rotations are `<path>.1` …. */
  path: string;
  /** Only the last N messages (undefined: all). */
  tail?: number;
  follow: boolean;
  /**
   * Follow only: true once nothing more will be written (the container exited and the shim
   * closed the log). Checked before a final read, so nothing written before it is lost.
   */
  finished?: () => Promise<boolean>;
  /** Extra directories whose changes wake the follower (e.g. where the exit record appears). */
  watchDirs?: readonly string[];
  signal?: AbortSignal;
  /** Fallback poll period while following (default 250 ms). */
  pollMs?: number;
}

/**
 * What a scan step did: "data" = read a chunk (the assembler's sink may hold new messages);
 * "idle" = a follower is about to wait for more output (hand out everything now).
 */
export type ScanStep = "data" | "idle";

/** Large reads: a 100k-line log is a handful of them, each parsed in one pass. */
const READ_CHUNK = 256 * 1024;

/** An open log file read forward from an offset, its chunks fed to a parser of its own. */
class ForwardFile {
  private readonly parser: CriChunkParser;
  private closing: Promise<void> | null = null;

  private constructor(readonly fh: FileHandle, public offset: number, readonly ino: number, visitor: CriRecordVisitor) {
    this.parser = new CriChunkParser(visitor);
  }

  static async open(path: string, offset: number, visitor: CriRecordVisitor): Promise<ForwardFile | null> {
    const fh = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return null;
      throw e;
    });
    if (!fh) return null;
    try {
      return new ForwardFile(fh, offset, (await fh.stat()).ino, visitor);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /**
   * Reads and parses the next chunk into `buf` (reused: the parser copies what it keeps).
   * "last" when this read reached the end of what is written now (a short read of a regular
   * file), "end" when there was nothing left to read.
   */
  async step(buf: Buffer): Promise<"more" | "last" | "end"> {
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.offset);
    if (bytesRead === 0) return "end";
    this.offset += bytesRead;
    this.parser.feed(buf.subarray(0, bytesRead));
    return bytesRead < buf.length ? "last" : "more";
  }

  /** The file shrank below what we read: it was truncated (rotation with one file). */
  async truncated(): Promise<boolean> {
    return (await this.fh.stat()).size < this.offset - this.parser.pendingBytes;
  }

  restart(): void {
    this.offset = 0;
    this.parser.reset();
  }

  /** Idempotent: a rotation closes the old file, and the scan's cleanup may see it again. */
  close(): Promise<void> {
    this.closing ??= this.fh.close();
    return this.closing;
  }
}

/**
 * Reads a container's CRI log and its rotations, oldest first, into `asm` (which joins `P`
 * pieces, applies since/until and the stream selection, and passes messages to its sink): `tail`
 * first, as Docker; with `follow`, new output as the shim writes it, across rotations, until
 * `finished()` holds and everything is read, or the signal fires. Yields after every chunk so
 * the caller can hand out what the sink gathered; stops early once the assembler is `past`
 * `until`. Unfinished lines are flushed when a follower goes idle and at the end.
 */
export async function* scanLog(opts: ScanLogOptions, asm: LogMessageAssembler): AsyncGenerator<ScanStep, void> {
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const files = await listLogFiles(opts.path);
  let start: LogPosition = { fileIndex: 0, offset: 0 };
  if (opts.tail === 0) {
    if (!opts.follow) return;
    // Only what comes next; with no file yet, the follower opens it when the shim creates it.
    if (files.length > 0) start = { fileIndex: files.length - 1, offset: await stat(files[files.length - 1]!).then((s) => s.size, () => 0) };
  } else if (opts.tail !== undefined) {
    start = await findTailStart(files, opts.tail);
  }

  // Older files: read through once.
  let current: ForwardFile | null = null;
  for (let i = start.fileIndex; i < files.length; i++) {
    const f = await ForwardFile.open(files[i]!, i === start.fileIndex ? start.offset : 0, asm);
    if (!f) continue;
    if (i === files.length - 1 && files[i] === opts.path) { current = f; break; }
    try {
      // "last" (a short read) is the end too, without another read to learn it.
      for (let s = await f.step(buf); s !== "end"; s = s === "last" ? "end" : await f.step(buf)) {
        yield "data";
        if (asm.past) return;
      }
    } finally {
      await f.close();
    }
  }

  const waiter = opts.follow ? new ChangeWaiter([dirname(opts.path), ...(opts.watchDirs ?? [])], opts.pollMs ?? 250) : null;
  try {
    for (;;) {
      if (opts.signal?.aborted) return;
      const done = opts.follow ? await (opts.finished?.() ?? Promise.resolve(true)) : true;
      if (current) {
        for (let s = await current.step(buf); s !== "end"; s = s === "last" ? "end" : await current.step(buf)) {
          yield "data";
          if (asm.past || opts.signal?.aborted) return;
        }
      }
      if (!opts.follow) break;
      const rot = await followRotation(opts.path, current, asm, buf);
      current = rot.file;
      if (rot.changed) {
        yield "data";
        if (asm.past) return;
        continue; // read the new file before deciding anything
      }
      if (done) break;
      // Idle: show an unfinished line (a prompt) now rather than when it ends.
      asm.flush();
      yield "idle";
      if (asm.past) return;
      await waiter!.wait(opts.signal);
    }
    asm.flush();
  } finally {
    waiter?.close();
    await current?.close();
  }
}

/**
 * After reading `current` to its end: if the shim rotated (the path is another file now), read
 * what is left in the old file and in any rotated file younger than it, then open the new one.
 * A truncated single file is read again from its start.
 */
async function followRotation(
  path: string,
  current: ForwardFile | null,
  asm: LogMessageAssembler,
  buf: Buffer,
): Promise<{ file: ForwardFile | null; changed: boolean }> {
  const st = await stat(path).catch(() => null);
  if (!st) return { file: current, changed: false }; // not created yet, or between rename and create
  if (current && st.ino === current.ino) {
    if (!(await current.truncated())) return { file: current, changed: false };
    current.restart();
    return { file: current, changed: true };
  }
  const drain = async (f: ForwardFile) => {
    for (let s = await f.step(buf); s === "more"; s = await f.step(buf));
  };
  if (current) {
    try { await drain(current); } finally { await current.close(); }
    const files = await listLogFiles(path);
    const rotated = files.slice(0, -1);
    const inos = await Promise.all(rotated.map((f) => stat(f).then((s) => s.ino, () => -1)));
    const mine = inos.indexOf(current.ino);
    for (const f of rotated.slice(mine + 1)) {
      const rf = await ForwardFile.open(f, 0, asm);
      if (!rf) continue;
      try { await drain(rf); } finally { await rf.close(); }
    }
  }
  return { file: await ForwardFile.open(path, 0, asm), changed: true };
}
