/**
 * Parses the shim's CRI log (`<RFC3339Nano> <stdout|stderr> <F|P> <text>\n`, see criRecord.ts)
 * straight out of the buffers a file read returns: no string and no object per line, only
 * offsets handed to a visitor, so a 100k-line log costs one pass over its bytes. A line that
 * crosses a chunk border is kept (copied) until the chunk with its newline arrives.
 */

/** 1 = stdout, 2 = stderr: Docker's stdcopy stream ids, so a framer can use them as they are. */
export type LogStreamId = 1 | 2;

/**
 * Receives each well-formed record. `buf` is only valid during the call (the reader reuses its
 * buffers): copy whatever is kept. The record's text is buf[contentStart, contentEnd) and
 * buf[contentEnd] is its newline, so buf[contentStart, contentEnd + 1) is the text with it.
 */
export interface CriRecordVisitor {
  record(buf: Buffer, tsStart: number, tsEnd: number, stream: LogStreamId, partial: boolean, contentStart: number, contentEnd: number): void;
}

const NL = 0x0a;
const SPACE = 0x20;
const F = 0x46;
const P = 0x50;

/**
 * Parses the complete lines of buf[start, end) and returns where the incomplete rest begins
 * (end when the range ends with a newline). Malformed lines are skipped, as parseCriRecord
 * rejects them.
 */
export function parseCriLines(buf: Buffer, start: number, end: number, visitor: CriRecordVisitor): number {
  let pos = start;
  for (;;) {
    const nl = buf.indexOf(NL, pos);
    if (nl < 0 || nl >= end) return pos;
    parseLine(buf, pos, nl, visitor);
    pos = nl + 1;
  }
}

/** One line buf[start, nl) with buf[nl] its newline. */
function parseLine(buf: Buffer, start: number, nl: number, visitor: CriRecordVisitor): void {
  const s1 = buf.indexOf(SPACE, start);
  if (s1 <= start || s1 >= nl) return; // no timestamp, or no space in this line
  // "stdout" or "stderr", then a space, then the tag.
  const s2 = s1 + 7;
  if (s2 >= nl || buf[s2] !== SPACE) return;
  if (buf[s1 + 1] !== 0x73 /* s */ || buf[s1 + 2] !== 0x74 /* t */ || buf[s1 + 3] !== 0x64 /* d */) return;
  let stream: LogStreamId;
  const a = buf[s1 + 4], b = buf[s1 + 5], c = buf[s1 + 6];
  if (a === 0x6f /* o */ && b === 0x75 /* u */ && c === 0x74 /* t */) stream = 1;
  else if (a === 0x65 /* e */ && b === 0x72 /* r */ && c === 0x72 /* r */) stream = 2;
  else return;
  if (s2 + 1 >= nl) return; // no tag
  const tag = buf[s2 + 1];
  if (tag !== F && tag !== P) return;
  // "F" at the very end is an empty line without the separating space.
  if (s2 + 2 < nl && buf[s2 + 2] !== SPACE) return;
  visitor.record(buf, start, s1, stream, tag === P, Math.min(s2 + 3, nl), nl);
}

/**
 * Feeds a log file's chunks in order, carrying an incomplete last line over to the next chunk.
 * One per file: `reset()` when reading it again from its start.
 */
export class CriChunkParser {
  private carry: Buffer[] = [];
  private carried = 0;

  constructor(private readonly visitor: CriRecordVisitor) {}

  /** Bytes held back as the start of a line whose newline has not been read yet. */
  get pendingBytes(): number {
    return this.carried;
  }

  feed(chunk: Buffer): void {
    let pos = 0;
    if (this.carried > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.keep(chunk);
        return;
      }
      const line = Buffer.concat([...this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = [];
      this.carried = 0;
      parseLine(line, 0, line.length - 1, this.visitor);
      pos = nl + 1;
    }
    const rest = parseCriLines(chunk, pos, chunk.length, this.visitor);
    if (rest < chunk.length) this.keep(chunk.subarray(rest));
  }

  reset(): void {
    this.carry = [];
    this.carried = 0;
  }

  private keep(piece: Buffer): void {
    // A copy: the caller reuses its read buffer.
    this.carry.push(Buffer.from(piece));
    this.carried += piece.length;
  }
}
