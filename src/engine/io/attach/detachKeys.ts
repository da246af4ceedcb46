import { invalidArgument } from "../../../errors/EngineError.js";

/** Docker's default detach sequence. */
export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/**
 * Parses Docker's detach-keys notation (moby pkg/term ToBytes): comma-separated keys, each a
 * single character or `ctrl-<x>` with x in a-z, @, [, \, ], ^, _.
 */
export function parseDetachKeys(spec: string): Buffer {
  const out: number[] = [];
  for (const raw of spec.split(",")) {
    const key = raw.trim();
    if (key.length === 1) { out.push(key.charCodeAt(0)); continue; }
    const m = /^ctrl-(.)$/i.exec(key);
    if (!m) throw invalidArgument(`Invalid detach keys (${spec}) provided`);
    const c = m[1]!.toLowerCase();
    if (c >= "a" && c <= "z") out.push(c.charCodeAt(0) - 96);
    else if ("@[\\]^_".includes(c)) out.push("@[\\]^_".indexOf(c) === 0 ? 0 : c.charCodeAt(0) - 64);
    else throw invalidArgument(`Invalid detach keys (${spec}) provided`);
  }
  if (out.length === 0) throw invalidArgument(`Invalid detach keys (${spec}) provided`);
  return Buffer.from(out);
}

/**
 * Watches stdin for the detach sequence (moby's escape proxy): bytes that could be the start of
 * it are held back; a full match means "detach" (those bytes never reach the process), a
 * mismatch releases them.
 */
export class DetachScanner {
  private matched = 0;
  constructor(private readonly keys: Buffer) {}

  /** The bytes to pass on, and whether the sequence completed (the rest is then dropped). */
  feed(chunk: Buffer): { pass: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { pass: Buffer.from(out), detach: true };
        continue;
      }
      // Mismatch: what was held back goes through, then this byte may start a new match.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      if (b === this.keys[0]) this.matched = 1;
      else out.push(b);
      if (this.matched === this.keys.length) return { pass: Buffer.from(out), detach: true };
    }
    return { pass: Buffer.from(out), detach: false };
  }
}
