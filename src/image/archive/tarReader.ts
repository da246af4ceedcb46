import { Header, Pax } from "tar";
import type { HeaderData } from "tar";
import { invalidArgument } from "../../errors/EngineError.js";

/**
 * A streaming tar reader: yields one entry at a time, with its body as an async iterable that
 * must be consumed (or is skipped) before the next entry arrives. Handles PAX extended headers
 * (long names, large sizes) and GNU long names/links; header decoding and checksums are
 * node-tar's `Header`. A stream that ends inside a header or a body is a truncated archive and
 * throws InvalidArgument, so a caller never mistakes half an archive for a whole one.
 */
export interface TarEntry {
  path: string;
  /** node-tar's type names: "File", "Directory", "SymbolicLink", "Link", ... */
  type: string;
  size: number;
  mode: number;
  linkpath?: string;
  body: AsyncIterable<Buffer>;
}

const BLOCK = 512;

/** Pulls exact byte counts out of a chunked async source. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;
  consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Ensures at least `n` buffered bytes; false when the source ended first. */
  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) this.buf = this.buf.length === 0 ? Buffer.from(r.value) : Buffer.concat([this.buf, r.value]);
    }
    return this.buf.length >= n;
  }

  /** Exactly `n` bytes, or null at a clean end (nothing buffered); throws on a partial read. */
  async exact(n: number, what: string): Promise<Buffer | null> {
    if (!(await this.fill(n))) {
      if (this.buf.length === 0) return null;
      throw invalidArgument(`read tar archive: truncated archive (${what} cut short at byte ${this.consumed + this.buf.length})`);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.consumed += n;
    return out;
  }

  /** Up to `max` bytes (at least one), or null when the source is exhausted. */
  async some(max: number): Promise<Buffer | null> {
    if (this.buf.length === 0 && !(await this.fill(1))) return null;
    const n = Math.min(max, this.buf.length);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.consumed += n;
    return out;
  }

  async close(): Promise<void> {
    if (!this.done && this.it.return) await this.it.return();
  }
}

export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source);
  try {
    let ex: HeaderData | undefined;
    let gex: HeaderData | undefined;
    for (;;) {
      const block = await r.exact(BLOCK, "header");
      if (block === null) return; // no end-of-archive blocks: accepted, as GNU tar does
      if (block.every((b) => b === 0)) return; // end-of-archive marker
      const h = new Header(block, 0, ex, gex);
      if (!h.cksumValid) throw invalidArgument(`read tar archive: bad header checksum at byte ${r.consumed - BLOCK} (not a tar archive, or corrupted)`);
      const size = h.size ?? 0;
      const type = h.type;
      if (type === "ExtendedHeader" || type === "GlobalExtendedHeader" || type === "NextFileHasLongPath" || type === "NextFileHasLongLinkpath" || type === "OldGnuLongPath") {
        if (size > 1024 * 1024) throw invalidArgument(`read tar archive: metadata entry of ${size} bytes is too large`);
        const body = await readPadded(r, size);
        if (type === "ExtendedHeader") ex = Pax.parse(body.toString("utf8"), ex, false);
        else if (type === "GlobalExtendedHeader") gex = Pax.parse(body.toString("utf8"), gex, true);
        else {
          const text = body.toString("utf8").replace(/\0.*$/s, "");
          ex = { ...(ex ?? {}), ...(type === "NextFileHasLongLinkpath" ? { linkpath: text } : { path: text }) };
        }
        continue;
      }
      ex = undefined;
      const hasBody = type === "File" || type === "OldFile" || type === "ContiguousFile";
      const bodySize = hasBody ? size : 0;
      let remaining = bodySize;
      const body: AsyncIterable<Buffer> = {
        async *[Symbol.asyncIterator]() {
          while (remaining > 0) {
            const chunk = await r.some(Math.min(remaining, 1 << 20));
            if (chunk === null) throw invalidArgument(`read tar archive: truncated archive (entry ${JSON.stringify(h.path)} needs ${remaining} more bytes)`);
            remaining -= chunk.length;
            yield chunk;
          }
        },
      };
      yield { path: h.path ?? "", type, size: bodySize, mode: h.mode ?? 0o644, linkpath: h.linkpath || undefined, body };
      // Skip whatever the consumer left unread, then the padding to the block boundary.
      while (remaining > 0) {
        const chunk = await r.some(Math.min(remaining, 1 << 20));
        if (chunk === null) throw invalidArgument(`read tar archive: truncated archive (entry ${JSON.stringify(h.path)} needs ${remaining} more bytes)`);
        remaining -= chunk.length;
      }
      const pad = (BLOCK - (bodySize % BLOCK)) % BLOCK;
      if (pad > 0 && (await r.exact(pad, `padding of ${h.path}`)) === null) throw invalidArgument(`read tar archive: truncated archive (padding of ${JSON.stringify(h.path)} missing)`);
    }
  } finally {
    await r.close();
  }
}

async function readPadded(r: ByteReader, size: number): Promise<Buffer> {
  const padded = Math.ceil(size / BLOCK) * BLOCK;
  const buf = padded === 0 ? Buffer.alloc(0) : await r.exact(padded, "metadata entry");
  if (buf === null) throw invalidArgument("read tar archive: truncated archive (metadata entry missing)");
  return buf.subarray(0, size);
}

/** Reads a whole entry body into memory, refusing bodies larger than `limit`. */
export async function readEntryBody(entry: TarEntry, limit: number): Promise<Buffer> {
  if (entry.size > limit) throw invalidArgument(`read tar archive: ${entry.path} is ${entry.size} bytes, more than the ${limit} allowed for a metadata file`);
  const parts: Buffer[] = [];
  for await (const c of entry.body) parts.push(c);
  return Buffer.concat(parts);
}
