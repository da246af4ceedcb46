import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import { throughProcess } from "../unpack/decompress.js";

/**
 * Compression sniffing for archives and layers: by magic bytes, the way `docker load` decides
 * (it never trusts file names). gzip is decompressed with node:zlib; zstd (no decoder in Node
 * 20) through the `zstd` program like layer unpacking does; bzip2 and xz are NotImplemented.
 */
export type Compression = "none" | "gzip" | "zstd" | "bzip2" | "xz";

export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return "bzip2";
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return "xz";
  return "none";
}

/** Peeks the first bytes of a stream without losing them. */
export async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Buffer; stream: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const got: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) { ended = true; break; }
    got.push(Buffer.from(r.value));
    len += r.value.length;
  }
  const head = Buffer.concat(got);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (head.length) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, stream: rest() };
}

/**
 * Returns the plain bytes of a possibly compressed stream. Throws NotImplemented for bzip2 and
 * xz, InvalidArgument for corrupt gzip.
 */
export async function decompressed(source: AsyncIterable<Uint8Array>, what: string): Promise<AsyncIterable<Uint8Array>> {
  const { head, stream } = await peek(source, 6);
  const kind = sniffCompression(head);
  if (kind === "none") return stream;
  if (kind === "gzip") {
    const gunzip = createGunzip();
    const src = Readable.from(stream);
    src.on("error", (e) => gunzip.destroy(e));
    src.pipe(gunzip);
    return mapErrors(gunzip, what);
  }
  if (kind === "zstd") return throughProcess("zstd", ["-d", "-c", "-q"], stream);
  throw new EngineError("NotImplemented", `decompress ${what}: ${kind} compression is not supported (gzip, zstd and uncompressed are)`);
}

async function* mapErrors(s: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const c of s) yield c;
  } catch (e) {
    if (e instanceof EngineError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "";
    if (code.startsWith("Z_") || code === "ERR_ZLIB") throw invalidArgument(`decompress ${what}: corrupt or truncated gzip data (${(e as Error).message})`, { cause: e });
    throw e;
  }
}
