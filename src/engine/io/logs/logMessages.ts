import type { CriRecordVisitor, LogStreamId } from "./criChunkParser.js";
import { compareRecordTime, timeBound, type TimeBound } from "./logTime.js";

/**
 * Receives the messages of a log, as offsets like the records they came from: the message is
 * data[start, end) (with its newline unless the output ended mid-line) and its timestamp text
 * ts[tsStart, tsEnd). Both buffers are only valid during the call: copy what is kept.
 */
export interface LogSink {
  message(stream: LogStreamId, data: Buffer, start: number, end: number, ts: Buffer, tsStart: number, tsEnd: number): void;
}

export interface MessageFilter {
  /** Messages at or after this time (ns since the epoch). */
  sinceNs?: bigint;
  /** Messages at or before it; the first later one ends the log (`past`). */
  untilNs?: bigint;
  stdout: boolean;
  stderr: boolean;
}

interface Pending { parts: Buffer[]; ts: Buffer }

/**
 * Turns records into messages: `P` pieces are joined to the record that ends their line (per
 * stream, stamped with the first piece's time), `since`/`until` are applied — the timestamp is
 * only read when a bound is set — and then the stream selection (so a message past `until`
 * ends the log even on a stream not shown, as before).
 */
export class LogMessageAssembler implements CriRecordVisitor {
  /** A message after `until` was seen: nothing more is passed on. */
  past = false;
  private readonly pending: (Pending | null)[] = [null, null, null];
  private readonly since: TimeBound | null;
  private readonly until: TimeBound | null;

  constructor(private readonly sink: LogSink, private readonly filter: MessageFilter) {
    this.since = filter.sinceNs === undefined ? null : timeBound(filter.sinceNs);
    this.until = filter.untilNs === undefined ? null : timeBound(filter.untilNs);
  }

  record(buf: Buffer, tsStart: number, tsEnd: number, stream: LogStreamId, partial: boolean, contentStart: number, contentEnd: number): void {
    if (this.past) return;
    const p = this.pending[stream];
    if (partial) {
      const piece = Buffer.from(buf.subarray(contentStart, contentEnd));
      if (p) p.parts.push(piece);
      else this.pending[stream] = { parts: [piece], ts: Buffer.from(buf.subarray(tsStart, tsEnd)) };
      return;
    }
    if (!p) {
      // The common case: the message is the record's text and newline, where it lies.
      this.emit(stream, buf, contentStart, contentEnd + 1, buf, tsStart, tsEnd);
      return;
    }
    this.pending[stream] = null;
    const data = Buffer.concat([...p.parts, buf.subarray(contentStart, contentEnd + 1)]);
    this.emit(stream, data, 0, data.length, p.ts, 0, p.ts.length);
  }

  /** Passes on the unfinished lines (without newline), oldest first: end of output, or an idle follower showing a prompt. */
  flush(): void {
    const waiting: { stream: LogStreamId; p: Pending }[] = [];
    for (const stream of [1, 2] as const) {
      const p = this.pending[stream];
      if (p) waiting.push({ stream, p });
      this.pending[stream] = null;
    }
    waiting.sort((a, b) => Buffer.compare(a.p.ts, b.p.ts));
    for (const { stream, p } of waiting) {
      if (this.past) return;
      const data = Buffer.concat(p.parts);
      this.emit(stream, data, 0, data.length, p.ts, 0, p.ts.length);
    }
  }

  private emit(stream: LogStreamId, data: Buffer, start: number, end: number, ts: Buffer, tsStart: number, tsEnd: number): void {
    if (this.until && compareRecordTime(ts, tsStart, tsEnd, this.until) > 0) {
      this.past = true;
      return;
    }
    if (this.since && compareRecordTime(ts, tsStart, tsEnd, this.since) < 0) return;
    if (stream === 1 ? !this.filter.stdout : !this.filter.stderr) return;
    this.sink.message(stream, data, start, end, ts, tsStart, tsEnd);
  }
}
