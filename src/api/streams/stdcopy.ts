/**
 * Docker's multiplexed stream framing (moby pkg/stdcopy): every frame is an 8-byte header —
 * stream id (0 stdin, 1 stdout, 2 stderr, 3 systemerr), three zero bytes, a big-endian uint32
 * payload length — followed by the payload. Used for non-TTY logs, attach and exec output.
 * Pure codec: shared by the server (writer) and the client (reader).
 */
import { Writable } from "node:stream";

export type StreamId = 0 | 1 | 2 | 3;
export const STDIN: StreamId = 0;
export const STDOUT: StreamId = 1;
export const STDERR: StreamId = 2;
/** Daemon-side errors delivered inside the stream (the CLI prints "error from daemon in stream"). */
export const SYSTEMERR: StreamId = 3;

export const FRAME_HEADER_SIZE = 8;
const MAX_FRAME = 0xffffffff;

export interface Frame { stream: StreamId; data: Buffer }

export function encodeFrameHeader(stream: StreamId, length: number): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_SIZE);
  h[0] = stream;
  h.writeUInt32BE(length, 4);
  return h;
}

/** One frame as a single buffer (header + payload), so concurrent writers never interleave. */
export function encodeFrame(stream: StreamId, data: Buffer | string): Buffer {
  const payload = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  if (payload.length > MAX_FRAME) throw new RangeError(`encode frame: payload of ${payload.length} bytes exceeds a frame`);
  return Buffer.concat([encodeFrameHeader(stream, payload.length), payload]);
}

/**
 * Incremental decoder: feed arbitrary chunks (frames split anywhere, several per chunk) and get
 * whole frames back. `finish()` throws if the input stopped inside a frame.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingSize = 0;

  push(chunk: Buffer): Frame[] {
    if (chunk.length === 0) return [];
    this.pending.push(chunk);
    this.pendingSize += chunk.length;
    const out: Frame[] = [];
    while (this.pendingSize >= FRAME_HEADER_SIZE) {
      const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingSize);
      const id = buf[0]!;
      if (id > 3) throw new Error(`decode frame: unknown stream id ${id} (not a multiplexed stream?)`);
      const len = buf.readUInt32BE(4);
      if (buf.length < FRAME_HEADER_SIZE + len) {
        this.pending = [buf];
        break;
      }
      out.push({ stream: id as StreamId, data: buf.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + len) });
      const rest = buf.subarray(FRAME_HEADER_SIZE + len);
      this.pending = rest.length ? [rest] : [];
      this.pendingSize = rest.length;
    }
    return out;
  }

  /** Bytes of an incomplete frame still buffered. */
  get buffered(): number {
    return this.pendingSize;
  }

  finish(): void {
    if (this.pendingSize !== 0) throw new Error(`decode frame: stream ended inside a frame (${this.pendingSize} bytes left over)`);
  }
}

/**
 * A Writable that frames everything written to it onto `target` as stream `stream`. Ending it does
 * not end the target (stdout and stderr share one connection).
 */
export function frameWriter(target: Writable, stream: StreamId): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (chunk.length === 0) return cb();
      if (target.destroyed || target.writableEnded) return cb(new Error("write frame: connection closed"));
      if (target.write(encodeFrame(stream, chunk))) cb();
      else target.once("drain", () => cb());
    },
  });
}

/** A Writable forwarding raw bytes to `target` without ending it (TTY streams). */
export function rawWriter(target: Writable): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (target.destroyed || target.writableEnded) return cb(new Error("write stream: connection closed"));
      if (target.write(chunk)) cb();
      else target.once("drain", () => cb());
    },
  });
}
