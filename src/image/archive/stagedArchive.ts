import { posix } from "node:path";
import { invalidArgument, isEngineError } from "../../errors/EngineError.js";
import type { ContentIngester, ContentProvider } from "../content/ContentStore.js";
import { decompressed } from "./compression.js";
import { readTar } from "../unpack/tarReader.js";

/**
 * An image archive (docker save / OCI layout tar) read in one pass: every blob-like file is
 * streamed straight into the content store (files under `blobs/<alg>/<hex>` are verified against
 * their name), small metadata files are kept in memory, symlinks are remembered. Nothing is
 * recorded anywhere else, so a failure part-way leaves only unreferenced blobs, which GC removes.
 */
export type StagedFile =
  | { kind: "memory"; data: Buffer }
  | { kind: "stored"; digest: string; size: number };

export interface StagedArchive {
  files: Map<string, StagedFile>;
  links: Map<string, string>;
}

/** Files kept in memory: each at most this size, and all together at most MEMORY_TOTAL. */
const METADATA_LIMIT = 16 * 1024 * 1024;
const MEMORY_TOTAL = 64 * 1024 * 1024;
const BLOB_PATH = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/;

export function normalizeArchivePath(p: string): string {
  const n = posix.normalize(p.replace(/^\.?\/+/, "")).replace(/\/+$/, "");
  if (n === ".." || n.startsWith("../") || posix.isAbsolute(n)) throw invalidArgument(`read image archive: entry ${JSON.stringify(p)} escapes the archive`);
  return n;
}

function isBlobLike(path: string): boolean {
  return BLOB_PATH.test(path) || path.endsWith(".tar") || path.endsWith(".tar.gz") || path.endsWith("/layer.tar");
}

export interface StageOptions {
  /**
   * Told of each blob-like file once it is stored, while the rest of the archive still streams
   * in (docker load starts unpacking layers there, see EarlyLayers).
   */
  onBlobStored?: (blob: { digest: string; size: number }, path: string) => void;
}

export async function stageArchive(source: AsyncIterable<Uint8Array>, store: ContentIngester, opts: StageOptions = {}): Promise<StagedArchive> {
  try {
    return await stage(source, store, opts);
  } catch (e) {
    // The tar reader's own errors ("read tar: ...") get the archive context.
    if (isEngineError(e, "InvalidArgument") && !e.message.startsWith("read image archive")) throw invalidArgument(`read image archive: ${e.message}`, { cause: e });
    throw e;
  }
}

async function stage(source: AsyncIterable<Uint8Array>, store: ContentIngester, opts: StageOptions): Promise<StagedArchive> {
  const files = new Map<string, StagedFile>();
  const links = new Map<string, string>();
  const plain = await decompressed(source, "image archive");
  let entries = 0;
  let inMemory = 0;
  for await (const { entry, body } of readTar(plain)) {
    entries++;
    const path = normalizeArchivePath(entry.path);
    if (entry.type === "symlink" || entry.type === "hardlink") {
      // Hard links in tars name the target from the archive root; symlinks from their directory.
      const target = entry.type === "hardlink" ? entry.linkpath! : posix.join(posix.dirname(path), entry.linkpath!);
      links.set(path, normalizeArchivePath(target));
      continue;
    }
    if (entry.type !== "file") continue;
    const m = BLOB_PATH.exec(path);
    if (m) {
      const digest = `${m[1]}:${m[2]}`;
      const info = await store.write({ digest, size: entry.size }, coalesced(body)).catch((e) => {
        throw invalidArgument(`read image archive: ${path}: ${(e as Error).message}`, { cause: e });
      });
      files.set(path, { kind: "stored", digest: info.digest, size: info.size });
      opts.onBlobStored?.({ digest: info.digest, size: info.size }, path);
    } else if (isBlobLike(path) || entry.size > METADATA_LIMIT || inMemory + entry.size > MEMORY_TOTAL) {
      const info = await store.writeUnverified(coalesced(body));
      if (info.size !== entry.size) throw invalidArgument(`read image archive: ${path}: stored ${info.size} bytes of ${entry.size}`);
      files.set(path, { kind: "stored", digest: info.digest, size: info.size });
      opts.onBlobStored?.({ digest: info.digest, size: info.size }, path);
    } else {
      const parts: Buffer[] = [];
      for await (const c of body) parts.push(c);
      files.set(path, { kind: "memory", data: Buffer.concat(parts) });
      inMemory += entry.size;
    }
  }
  if (entries === 0) throw invalidArgument("read image archive: the archive is empty");
  return { files, links };
}

/**
 * A body passed on in pieces of at least `min` bytes: an archive read from a socket arrives in
 * pieces of 16-64 KiB, and the content store makes one write (a thread-pool round trip) per
 * piece it is given.
 */
async function* coalesced(body: AsyncIterable<Buffer>, min = 1 << 20): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    parts.push(c);
    n += c.length;
    if (n >= min) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
      parts = [];
      n = 0;
    }
  }
  if (n > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
}

/** Follows links (up to 16 hops) to the file an archive path names. */
export function resolveStaged(a: StagedArchive, path: string): StagedFile | undefined {
  let p = normalizeArchivePath(path);
  for (let hop = 0; hop < 16; hop++) {
    const f = a.files.get(p);
    if (f) return f;
    const next = a.links.get(p);
    if (next === undefined) return undefined;
    p = next;
  }
  return undefined;
}

export async function stagedBytes(a: StagedArchive, path: string, store: ContentProvider, what: string): Promise<Buffer> {
  const f = resolveStaged(a, path);
  if (!f) throw invalidArgument(`load image archive: ${what} ${JSON.stringify(path)} is missing from the archive`);
  return f.kind === "memory" ? f.data : store.readBlob(f.digest);
}

export function parseJsonFile<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (e) {
    throw invalidArgument(`load image archive: ${what} is not valid JSON: ${(e as Error).message}`);
  }
}
