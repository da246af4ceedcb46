import { Header } from "tar";
import { invalidArgument } from "../../errors/EngineError.js";

/**
 * A streaming tar reader that keeps what layers need and node-tar's Parser drops: binary-safe
 * PAX records, in particular `SCHILY.xattr.*` (security.capability is binary). The 512-byte
 * ustar/GNU header itself is decoded by node-tar's Header (checksums, base-256 numbers,
 * prefixes); PAX, GNU long names and the stream framing are done here.
 */
export type TarEntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

export interface TarEntry {
  path: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkpath?: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
}

const TYPE_MAP: Record<string, TarEntryType> = {
  File: "file",
  OldFile: "file",
  ContiguousFile: "file",
  Directory: "dir",
  SymbolicLink: "symlink",
  Link: "hardlink",
  CharacterDevice: "char",
  BlockDevice: "block",
  FIFO: "fifo",
};

/** Pulls exact byte counts out of an async chunk source. */
class ByteReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async fill(n: number): Promise<boolean> {
    while (this.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
        this.chunks.push(b);
        this.length += b.length;
      }
    }
    return this.length >= n;
  }
  private takeAvailable(max: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length <= max) {
      this.chunks.shift();
      this.length -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(max);
    this.length -= max;
    return first.subarray(0, max);
  }
  /** Exactly n bytes, or undefined at a clean end of stream (nothing buffered). */
  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) {
      if (this.length === 0) return undefined;
      throw invalidArgument("read tar: unexpected end of archive");
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const b = this.takeAvailable(need);
      parts.push(b);
      need -= b.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }
  /** Up to `max` bytes (at least one), as a slice of what is buffered: no copy. */
  async piece(max: number): Promise<Buffer> {
    if (this.length === 0 && !(await this.fill(1))) throw invalidArgument("read tar: unexpected end of archive inside an entry");
    return this.takeAvailable(max);
  }
  /** Streams n bytes in pieces. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0 && !(await this.fill(1))) throw invalidArgument("read tar: unexpected end of archive inside an entry");
      const b = this.takeAvailable(left);
      left -= b.length;
      yield b;
    }
  }
  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n)) void _;
  }
  /** Reads whatever is left (trailing padding after the end-of-archive blocks). */
  async drain(): Promise<void> {
    while (await this.fill(this.length + 1)) {
      this.chunks = [];
      this.length = 0;
    }
  }
}

interface PaxRecords {
  [key: string]: Buffer;
}

/** Parses "len key=value\n" records; values are raw bytes. */
export function parsePax(buf: Buffer): PaxRecords {
  const out: PaxRecords = {};
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] === 0) break;
    const sp = buf.indexOf(0x20, pos);
    if (sp < 0) throw invalidArgument("read tar: malformed PAX record (no length)");
    const len = Number(buf.toString("ascii", pos, sp));
    if (!Number.isSafeInteger(len) || len <= sp - pos + 1 || pos + len > buf.length) throw invalidArgument("read tar: malformed PAX record length");
    const rec = buf.subarray(sp + 1, pos + len);
    if (rec[rec.length - 1] !== 0x0a) throw invalidArgument("read tar: malformed PAX record (no newline)");
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw invalidArgument("read tar: malformed PAX record (no '=')");
    out[rec.toString("utf8", 0, eq)] = rec.subarray(eq + 1, rec.length - 1);
    pos += len;
  }
  return out;
}

const pad = (n: number) => (512 - (n % 512)) % 512;
const MAX_META = 1 << 20;

/**
 * Yields each entry with its body; the consumer must finish (or abandon) `body` before asking
 * for the next entry (unconsumed bytes are skipped). Reads the source to its end so a caller
 * hashing the stream sees every byte.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<{ entry: TarEntry; body: AsyncIterable<Buffer> }> {
  const r = new ByteReader(source);
  let globalPax: PaxRecords = {};
  let pax: PaxRecords = {};
  let longPath: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await r.read(512);
    if (block === undefined) break; // a stream with no end-of-archive blocks: accept as Docker does
    if (block.every((b) => b === 0)) {
      await r.drain();
      return;
    }
    const h = new Header(block);
    if (!h.cksumValid) throw invalidArgument("read tar: invalid header checksum");
    const size = h.size ?? 0;
    const type = h.type as string;
    if (type === "ExtendedHeader" || type === "GlobalExtendedHeader" || type === "NextFileHasLongPath" || type === "OldGnuLongPath" || type === "NextFileHasLongLinkpath") {
      if (size > MAX_META) throw invalidArgument(`read tar: ${type} of ${size} bytes is too large`);
      const data = (await r.read(size + pad(size))) ?? Buffer.alloc(0);
      const body = data.subarray(0, size);
      if (type === "ExtendedHeader") pax = { ...pax, ...parsePax(body) };
      else if (type === "GlobalExtendedHeader") globalPax = { ...globalPax, ...parsePax(body) };
      else if (type === "NextFileHasLongLinkpath") longLink = body.toString("utf8").replace(/\0.*$/s, "");
      else longPath = body.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    const kv = { ...globalPax, ...pax };
    const str = (k: string) => (kv[k] !== undefined ? kv[k]!.toString("utf8") : undefined);
    const num = (k: string) => {
      const s = str(k);
      if (s === undefined) return undefined;
      const n = Number(s);
      if (!Number.isFinite(n)) throw invalidArgument(`read tar: PAX ${k} is not a number: ${JSON.stringify(s)}`);
      return n;
    };
    const kind = TYPE_MAP[type];
    const path = str("path") ?? longPath ?? h.path ?? "";
    if (!kind) throw invalidArgument(`read tar: unsupported entry type ${type} for ${JSON.stringify(path)}`);
    const realSize = num("size") ?? size;
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(kv)) if (k.startsWith("SCHILY.xattr.")) xattrs.set(k.slice("SCHILY.xattr.".length), v);
    const mtime = num("mtime");
    const entry: TarEntry = {
      path,
      type: kind,
      mode: (h.mode ?? 0) & 0o7777,
      uid: num("uid") ?? h.uid ?? 0,
      gid: num("gid") ?? h.gid ?? 0,
      size: kind === "file" ? realSize : 0,
      mtime: mtime !== undefined ? new Date(mtime * 1000) : (h.mtime ?? new Date(0)),
      devmajor: num("SCHILY.devmajor") ?? h.devmaj ?? 0,
      devminor: num("SCHILY.devminor") ?? h.devmin ?? 0,
      xattrs,
    };
    const link = str("linkpath") ?? longLink ?? h.linkpath;
    if ((kind === "symlink" || kind === "hardlink") && link !== undefined) entry.linkpath = link;
    if ((kind === "symlink" || kind === "hardlink") && !entry.linkpath) throw invalidArgument(`read tar: ${kind} ${JSON.stringify(path)} has no target`);
    if (path === "") throw invalidArgument("read tar: entry with an empty path");
    pax = {};
    longPath = undefined;
    longLink = undefined;
    // Hard links and others may declare a size; the data (if any) is skipped.
    const dataSize = kind === "file" ? realSize : size;
    let remaining = entry.size;
    const body = (async function* () {
      while (remaining > 0) {
        // Slices of the source's chunks, never copied: file data goes straight to write(2).
        const piece = await r.piece(remaining);
        remaining -= piece.length;
        yield piece;
      }
    })();
    yield { entry, body };
    // Whatever the consumer left unread (it may stop early) is skipped here.
    await r.skip(remaining);
    if (kind !== "file") await r.skip(dataSize);
    await r.skip(pad(dataSize));
  }
}
