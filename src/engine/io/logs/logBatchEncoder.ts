import type { LogStreamId } from "./criChunkParser.js";
import type { LogSink } from "./logMessages.js";

export interface LogEncoding {
  /**
   * Docker's multiplexed framing (moby stdcopy: an 8-byte header — stream id, three zero bytes,
   * big-endian payload length — before each message) for containers without a TTY; false for
   * raw bytes (a TTY container's logs).
   */
  framed: boolean;
  /** Each message prefixed with its RFC3339Nano time and a space. */
  timestamps: boolean;
  /** Each message prefixed with its (empty) attributes: a single space (berth has none). */
  details: boolean;
  /** Bytes per batch (default 64 KiB). */
  batchBytes?: number;
}

const DEFAULT_BATCH = 64 * 1024;
/** Below this a byte loop beats Buffer#copy's call overhead (most log lines are short). */
const SHORT_COPY = 48;

/**
 * Writes messages as they go on the wire — one frame per message, as Docker sends them — into
 * batches of ~64 KiB, so a response takes one write per batch instead of one per line.
 */
export class LogBatchEncoder implements LogSink {
  private readonly batchBytes: number;
  private buf: Buffer | null = null;
  private used = 0;
  private readonly ready: Buffer[] = [];

  constructor(private readonly enc: LogEncoding) {
    this.batchBytes = enc.batchBytes ?? DEFAULT_BATCH;
  }

  message(stream: LogStreamId, data: Buffer, start: number, end: number, ts: Buffer, tsStart: number, tsEnd: number): void {
    const payload = end - start + (this.enc.timestamps ? tsEnd - tsStart + 1 : 0) + (this.enc.details ? 1 : 0);
    const need = payload + (this.enc.framed ? 8 : 0);
    if (!this.buf || this.used + need > this.buf.length) {
      this.cut();
      this.buf = Buffer.allocUnsafe(Math.max(this.batchBytes, need));
    }
    const buf = this.buf;
    let pos = this.used;
    if (this.enc.framed) {
      buf[pos] = stream;
      buf[pos + 1] = 0;
      buf[pos + 2] = 0;
      buf[pos + 3] = 0;
      buf.writeUInt32BE(payload, pos + 4);
      pos += 8;
    }
    if (this.enc.timestamps) {
      pos = put(buf, pos, ts, tsStart, tsEnd);
      buf[pos++] = 0x20;
    }
    if (this.enc.details) buf[pos++] = 0x20;
    this.used = put(buf, pos, data, start, end);
  }

  /** The finished batches, and with `all` also the one being filled (before the stream goes idle or ends). */
  take(all: boolean): Buffer[] {
    if (all) this.cut();
    return this.ready.splice(0);
  }

  private cut(): void {
    if (this.buf && this.used > 0) this.ready.push(this.buf.subarray(0, this.used));
    this.buf = null;
    this.used = 0;
  }
}

function put(dst: Buffer, at: number, src: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n < SHORT_COPY) {
    for (let i = 0; i < n; i++) dst[at + i] = src[start + i]!;
  } else {
    src.copy(dst, at, start, end);
  }
  return at + n;
}
