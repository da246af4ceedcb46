/**
 * DNS over TCP frames every message with a 2-byte big-endian length (RFC 1035 §4.2.2); a
 * connection may carry several messages in either direction (RFC 7766).
 */

/** `msg` with its length prefix. */
export function frame(msg: Buffer): Buffer {
  const out = Buffer.alloc(2 + msg.length);
  out.writeUInt16BE(msg.length, 0);
  msg.copy(out, 2);
  return out;
}

/** Reassembles messages from a TCP byte stream, whatever the chunking. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds received bytes; returns the messages completed by them, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= 2) {
      const len = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + len) break;
      out.push(Buffer.from(this.pending.subarray(2, 2 + len)));
      this.pending = this.pending.subarray(2 + len);
    }
    return out;
  }

  /** Bytes received that do not yet form a whole message. */
  get buffered(): number {
    return this.pending.length;
  }
}
