import { open, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { ChangeWaiter } from "./changeWaiter.js";
import { parseCriRecord, type CriRecord } from "./criRecord.js";
import { listLogFiles } from "./logFiles.js";
import { parseRfc3339Ns } from "./logTime.js";
import { findTailStart, type LogPosition } from "./tailStart.js";

/** One message of a container's output as read back from its log. */
export interface LogEntry {
  stream: "stdout" | "stderr";
  /** The message bytes, with its newline unless the output ended mid-line. */
  data: Buffer;
  /** RFC 3339 with 9 fraction digits (Docker's RFC3339NanoFixed), of the message's first piece. */
  timestamp: string;
  timeNs: bigint;
}

export interface ReadLogOptions {
  /** The current log file; rotations are `<path>.1` …. */
  path: string;
  /** Only the last N messages (undefined: all). */
  tail?: number;
  /** Messages at or after this time (ns since the epoch). */
  sinceNs?: bigint;
  /** Messages at or before this time; reading stops at the first later one. */
  untilNs?: bigint;
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

const CHUNK = 64 * 1024;

/** Partial (`P`) pieces waiting for the record that ends their line, per stream. */
class Assembler {
  private readonly pending = new Map<string, { parts: Buffer[]; timestamp: string }>();

  /** Feeds a record; returns the finished message, if any. */
  push(r: CriRecord): { stream: "stdout" | "stderr"; data: Buffer; timestamp: string } | null {
    const p = this.pending.get(r.stream);
    if (r.partial) {
      if (p) p.parts.push(r.content);
      else this.pending.set(r.stream, { parts: [r.content], timestamp: r.timestamp });
      return null;
    }
    this.pending.delete(r.stream);
    const parts = p ? [...p.parts, r.content, NL] : [r.content, NL];
    return { stream: r.stream, data: Buffer.concat(parts), timestamp: p?.timestamp ?? r.timestamp };
  }

  /** Everything pending as messages without newline (end of output, or an idle follower). */
  flush(): { stream: "stdout" | "stderr"; data: Buffer; timestamp: string }[] {
    const out = [...this.pending.entries()].map(([stream, p]) => ({ stream: stream as "stdout" | "stderr", data: Buffer.concat(p.parts), timestamp: p.timestamp }))
      .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    this.pending.clear();
    return out;
  }
}

const NL = Buffer.from("\n");

/** An open log file read forward from an offset, line by line. */
class ForwardFile {
  private carry = Buffer.alloc(0);
  constructor(readonly fh: FileHandle, public offset: number, readonly ino: number) {}

  static async open(path: string, offset: number): Promise<ForwardFile | null> {
    const fh = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return null;
      throw e;
    });
    if (!fh) return null;
    const st = await fh.stat();
    return new ForwardFile(fh, offset, st.ino);
  }

  /** Complete lines from the current offset to the end of what is written now. */
  async *lines(): AsyncGenerator<Buffer> {
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await this.fh.read(buf, 0, CHUNK, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      let data = this.carry.length ? Buffer.concat([this.carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
        yield data.subarray(start, nl);
        start = nl + 1;
      }
      this.carry = Buffer.from(data.subarray(start));
      data = Buffer.alloc(0);
    }
  }

  /** The file shrank below what we read: it was truncated (rotation with one file). */
  async truncated(): Promise<boolean> {
    return (await this.fh.stat()).size < this.offset - this.carry.length;
  }

  restart(): void {
    this.offset = 0;
    this.carry = Buffer.alloc(0);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/**
 * Reads a container's CRI log and its rotations as messages, oldest first: `P` pieces joined
 * to the line they belong to, `tail`/`since`/`until` applied (tail first, as Docker), and with
 * `follow`, new messages as the shim writes them, across rotations, until `finished()` holds
 * and everything is read, or the signal fires.
 */
export async function* readLogEntries(opts: ReadLogOptions): AsyncGenerator<LogEntry> {
  const asm = new Assembler();
  const since = opts.sinceNs;
  const until = opts.untilNs;
  let past = false;
  const accept = (m: { stream: "stdout" | "stderr"; data: Buffer; timestamp: string }): LogEntry | null => {
    const timeNs = parseRfc3339Ns(m.timestamp) ?? 0n;
    if (until !== undefined && timeNs > until) { past = true; return null; }
    if (since !== undefined && timeNs < since) return null;
    return { ...m, timeNs };
  };

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
    const f = await ForwardFile.open(files[i]!, i === start.fileIndex ? start.offset : 0);
    if (!f) continue;
    if (i === files.length - 1 && files[i] === opts.path) { current = f; break; }
    try {
      for await (const line of f.lines()) {
        const r = parseCriRecord(line);
        const m = r && asm.push(r);
        const e = m && accept(m);
        if (e) yield e;
        if (past) return;
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
        for await (const line of current.lines()) {
          const r = parseCriRecord(line);
          const m = r && asm.push(r);
          const e = m && accept(m);
          if (e) yield e;
          if (past || opts.signal?.aborted) return;
        }
      }
      if (!opts.follow) break;
      const rot = await followRotation(opts.path, current, asm, accept);
      current = rot.file;
      for (const e of rot.entries) yield e;
      if (past) return;
      if (rot.changed) continue; // read the new file before deciding anything
      if (done) break;
      // Idle: show an unfinished line (a prompt) now rather than when it ends.
      for (const m of asm.flush()) {
        const e = accept(m);
        if (e) yield e;
        if (past) return;
      }
      await waiter!.wait(opts.signal);
    }
    for (const m of asm.flush()) {
      const e = accept(m);
      if (e) yield e;
      if (past) return;
    }
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
  asm: Assembler,
  accept: (m: { stream: "stdout" | "stderr"; data: Buffer; timestamp: string }) => LogEntry | null,
): Promise<{ file: ForwardFile | null; entries: LogEntry[]; changed: boolean }> {
  const entries: LogEntry[] = [];
  const emit = (e: LogEntry) => entries.push(e);
  const st = await stat(path).catch(() => null);
  if (!st) return { file: current, entries, changed: false }; // not created yet, or between rename and create
  if (current && st.ino === current.ino) {
    if (!(await current.truncated())) return { file: current, entries, changed: false };
    current.restart();
    return { file: current, entries, changed: true };
  }
  const feed = async (f: ForwardFile) => {
    for await (const line of f.lines()) {
      const r = parseCriRecord(line);
      const m = r && asm.push(r);
      const e = m && accept(m);
      if (e) emit(e);
    }
  };
  if (current) {
    await feed(current);
    await current.close();
    const files = await listLogFiles(path);
    const rotated = files.slice(0, -1);
    const inos = await Promise.all(rotated.map((f) => stat(f).then((s) => s.ino, () => -1)));
    const mine = inos.indexOf(current.ino);
    for (const f of rotated.slice(mine + 1)) {
      const rf = await ForwardFile.open(f, 0);
      if (!rf) continue;
      try { await feed(rf); } finally { await rf.close(); }
    }
  }
  return { file: await ForwardFile.open(path, 0), entries, changed: true };
}
