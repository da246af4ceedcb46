/**
 * One record of the CRI log the shim writes (native/README.md):
 * `<RFC3339Nano> <stdout|stderr> <F|P> <text>\n`. Parsed from bytes, because container output
 * need not be UTF-8.
 */
export interface CriRecord {
  /** The timestamp text as written (RFC 3339 with 9 fraction digits, UTC). */
  timestamp: string;
  stream: "stdout" | "stderr";
  /** P: a piece of a line that continues in the next record of the same stream. */
  partial: boolean;
  /** The text without the record's newline. */
  content: Buffer;
}

const SPACE = 0x20;

/** Parses one line (without its trailing newline); null for a malformed record. */
export function parseCriRecord(line: Buffer): CriRecord | null {
  const s1 = line.indexOf(SPACE);
  if (s1 <= 0) return null;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return null;
  const stream = line.toString("latin1", s1 + 1, s2);
  if (stream !== "stdout" && stream !== "stderr") return null;
  const tag = line[s2 + 1];
  if (tag !== 0x46 /* F */ && tag !== 0x50 /* P */) return null;
  // "F" at the very end is an empty line without the separating space.
  if (s2 + 2 < line.length && line[s2 + 2] !== SPACE) return null;
  return {
    timestamp: line.toString("latin1", 0, s1),
    stream,
    partial: tag === 0x50,
    content: Buffer.from(line.subarray(Math.min(s2 + 3, line.length))),
  };
}

/** Whether a record line is a partial (`P`) one, without copying its content (tail scans). */
export function isPartialRecord(line: Buffer): boolean {
  const s1 = line.indexOf(SPACE);
  if (s1 <= 0) return false;
  const s2 = line.indexOf(SPACE, s1 + 1);
  return s2 >= 0 && line[s2 + 1] === 0x50;
}
