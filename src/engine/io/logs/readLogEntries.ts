import type { LogStreamId } from "./criChunkParser.js";
import { LogMessageAssembler, type LogSink } from "./logMessages.js";
import { scanLog, type ScanLogOptions } from "./logScanner.js";
import { parseRfc3339Ns } from "./logTime.js";

/** One message of a container's output as read back from its log. */
export interface LogEntry {
  stream: "stdout" | "stderr";
  /** The message bytes, with its newline unless the output ended mid-line. */
  data: Buffer;
  /** RFC 3339 with 9 fraction digits (Docker's RFC3339NanoFixed), of the message's first piece. */
  timestamp: string;
  timeNs: bigint;
}

export interface ReadLogOptions extends ScanLogOptions {
  /** Messages at or after this time (ns since the epoch). */
  sinceNs?: bigint;
  /** Messages at or before this time; reading stops at the first later one. */
  untilNs?: bigint;
}

/** Collects messages as LogEntry objects (copies: the scanner reuses its buffers). */
class EntrySink implements LogSink {
  readonly entries: LogEntry[] = [];

  message(stream: LogStreamId, data: Buffer, start: number, end: number, ts: Buffer, tsStart: number, tsEnd: number): void {
    const timestamp = ts.toString("latin1", tsStart, tsEnd);
    this.entries.push({
      stream: stream === 1 ? "stdout" : "stderr",
      data: Buffer.from(data.subarray(start, end)),
      timestamp,
      timeNs: parseRfc3339Ns(timestamp) ?? 0n,
    });
  }
}

/**
 * Reads a container's CRI log and its rotations as message objects, oldest first (see scanLog
 * for tail/follow/rotation): the convenient form for attach's log replay and tests. Streaming
 * a log onto the wire uses containerLogBatches, which never makes an object per message.
 */
export async function* readLogEntries(opts: ReadLogOptions): AsyncGenerator<LogEntry> {
  const sink = new EntrySink();
  const asm = new LogMessageAssembler(sink, { sinceNs: opts.sinceNs, untilNs: opts.untilNs, stdout: true, stderr: true });
  for await (const _ of scanLog(opts, asm)) {
    if (sink.entries.length > 0) yield* sink.entries.splice(0);
  }
  yield* sink.entries.splice(0);
}
