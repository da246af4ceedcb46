import { mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile, type FileHandle } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { conflict, invalidArgument, notFound, wrapError } from "../../errors/EngineError.js";
import type { Descriptor, Digest } from "../../oci/image.js";
import { Digester, parseDigest, type DigestAlgorithm } from "../digest.js";
import type { ContentInfo, ContentStore, IngestStatus, IngestWriter } from "./ContentStore.js";

type Data = Buffer | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

async function* chunksOf(data: Data): AsyncIterable<Uint8Array> {
  if (Buffer.isBuffer(data)) {
    yield data;
    return;
  }
  for await (const c of data as AsyncIterable<Uint8Array | string>) yield typeof c === "string" ? Buffer.from(c) : c;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The content store on disk (image-spec layout): `<root>/content/blobs/<alg>/<hex>`, written
 * through `<root>/content/ingest/`. A blob is only ever visible under its digest after its bytes
 * were verified and fsynced, so a crash leaves at worst a stray ingest file.
 */
export class FsContentStore implements ContentStore {
  readonly dir: string;
  private readonly activeIngests = new Set<string>();

  constructor(root: string) {
    this.dir = join(root, "content");
  }

  private blobsDir(alg: DigestAlgorithm): string {
    return join(this.dir, "blobs", alg);
  }

  private ingestDir(): string {
    return join(this.dir, "ingest");
  }

  blobPath(digest: Digest): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.blobsDir(algorithm), hex);
  }

  async info(digest: Digest): Promise<ContentInfo> {
    const path = this.blobPath(digest);
    try {
      const st = await stat(path);
      return { digest, size: st.size, createdAt: Math.floor(st.birthtimeMs || st.mtimeMs) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw notFound(`content info: blob ${digest} not found`);
      throw wrapError(e, `content info ${digest}`);
    }
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await stat(this.blobPath(digest));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw wrapError(e, `content has ${digest}`);
    }
  }

  async readBlob(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw notFound(`read blob: blob ${digest} not found`);
      throw wrapError(e, `read blob ${digest}`);
    }
  }

  async openRead(digest: Digest, offset = 0): Promise<NodeJS.ReadableStream> {
    const path = this.blobPath(digest);
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw notFound(`open blob: blob ${digest} not found`);
      throw wrapError(e, `open blob ${digest}`);
    }
    // The stream owns the handle (closed with the stream): the blob stays readable even if
    // deleted meanwhile.
    return fh.createReadStream({ start: offset, autoClose: true });
  }

  async write(expected: Pick<Descriptor, "digest" | "size">, data: Data): Promise<ContentInfo> {
    const { algorithm } = parseDigest(expected.digest);
    if (!Number.isSafeInteger(expected.size) || expected.size < 0) throw invalidArgument(`write blob: invalid size ${expected.size} for ${expected.digest}`);
    if (await this.has(expected.digest)) {
      // Drain nothing: the caller's stream is theirs to close; the blob is already verified.
      if (!Buffer.isBuffer(data) && typeof (data as NodeJS.ReadableStream).resume === "function") (data as NodeJS.ReadableStream).resume();
      return this.info(expected.digest);
    }
    return this.writeToStore(data, algorithm, expected);
  }

  async writeUnverified(data: Data): Promise<ContentInfo> {
    return this.writeToStore(data, "sha256");
  }

  private async writeToStore(data: Data, algorithm: DigestAlgorithm, expected?: Pick<Descriptor, "digest" | "size">): Promise<ContentInfo> {
    await mkdir(this.ingestDir(), { recursive: true });
    const tmp = join(this.ingestDir(), `tmp-${randomBytes(12).toString("hex")}`);
    const fh = await open(tmp, "wx", 0o644);
    const digester = new Digester(algorithm);
    let closed = false;
    try {
      for await (const chunk of chunksOf(data)) {
        digester.update(chunk);
        if (expected && digester.size > expected.size) {
          throw invalidArgument(`write blob ${expected.digest}: size mismatch: more than the expected ${expected.size} bytes`);
        }
        await fh.write(chunk);
      }
      const digest = digester.digest();
      if (expected) verify(expected, digest, digester.size);
      await fh.sync();
      await fh.close();
      closed = true;
      return await this.commitFile(tmp, digest, digester.size);
    } catch (e) {
      if (!closed) await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw e instanceof Error && "kind" in e ? e : wrapError(e, "write blob");
    }
  }

  /** Renames a verified, fsynced file into place and fsyncs the directory. */
  private async commitFile(tmp: string, digest: Digest, size: number): Promise<ContentInfo> {
    const { algorithm } = parseDigest(digest);
    const dir = this.blobsDir(algorithm);
    await mkdir(dir, { recursive: true });
    await rename(tmp, this.blobPath(digest));
    await fsyncDir(dir);
    const info = await this.info(digest);
    return { ...info, size };
  }

  async list(): Promise<ContentInfo[]> {
    const out: ContentInfo[] = [];
    for (const alg of ["sha256", "sha512"] as const) {
      let names: string[];
      try {
        names = await readdir(this.blobsDir(alg));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw wrapError(e, "list content");
      }
      for (const n of names.sort()) {
        const digest = `${alg}:${n}`;
        try {
          out.push(await this.info(parseDigestOrSkip(digest)));
        } catch {
          // A foreign file in the blobs directory is not content; ignore it.
        }
      }
    }
    return out;
  }

  async delete(digest: Digest): Promise<void> {
    try {
      await unlink(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw notFound(`delete blob: blob ${digest} not found`);
      throw wrapError(e, `delete blob ${digest}`);
    }
  }

  /**
   * Deletes temporary files of unnamed writes left by a crash (`ingest/tmp-*`). Call at start-up,
   * before any write; kept resumable ingests (`ingest/ref-*`) stay.
   */
  async cleanupTemporary(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.ingestDir());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw wrapError(e, "clean up content ingests");
    }
    const stale = names.filter((n) => n.startsWith("tmp-"));
    for (const n of stale) await rm(join(this.ingestDir(), n), { force: true });
    return stale.length;
  }

  // ---- resumable ingests: <ingest>/<sha256(ref)>/{data,ref.json} ----

  private ingestPaths(ref: string): { dir: string; data: string; meta: string } {
    const dir = join(this.ingestDir(), `ref-${createHash("sha256").update(ref).digest("hex")}`);
    return { dir, data: join(dir, "data"), meta: join(dir, "ref.json") };
  }

  async ingest(ref: string, expected: Pick<Descriptor, "digest" | "size">): Promise<IngestWriter> {
    const { algorithm } = parseDigest(expected.digest);
    if (typeof ref !== "string" || ref === "") throw invalidArgument("open ingest: empty ref");
    if (this.activeIngests.has(ref)) throw conflict(`open ingest: ref ${JSON.stringify(ref)} is already being written`);
    this.activeIngests.add(ref);
    try {
      const p = this.ingestPaths(ref);
      await mkdir(p.dir, { recursive: true });
      let kept: { expected?: Pick<Descriptor, "digest" | "size"> } = {};
      try {
        kept = JSON.parse(await readFile(p.meta, "utf8"));
      } catch {
        kept = {};
      }
      if (kept.expected?.digest !== expected.digest || kept.expected?.size !== expected.size) {
        // A different blob under the same ref: the kept bytes are worthless.
        await rm(p.data, { force: true });
        await writeFile(p.meta, JSON.stringify({ ref, expected: { digest: expected.digest, size: expected.size } }));
      }
      const digester = new Digester(algorithm);
      const fh = await open(p.data, "a+", 0o644);
      try {
        // Re-hash what is kept so the final digest covers every byte.
        for await (const c of fh.createReadStream({ autoClose: false, start: 0 })) digester.update(c as Buffer);
      } catch (e) {
        await fh.close().catch(() => {});
        throw e;
      }
      if (digester.size > expected.size) {
        await fh.truncate(0);
        await fh.close();
        await rm(p.dir, { recursive: true, force: true });
        this.activeIngests.delete(ref);
        return this.ingest(ref, expected);
      }
      return new FsIngestWriter(this, ref, expected, fh, digester, p.dir, () => this.activeIngests.delete(ref));
    } catch (e) {
      this.activeIngests.delete(ref);
      throw wrapError(e, `open ingest ${ref}`);
    }
  }

  async abortIngest(ref: string): Promise<void> {
    if (this.activeIngests.has(ref)) throw conflict(`abort ingest: ref ${JSON.stringify(ref)} is being written`);
    await rm(this.ingestPaths(ref).dir, { recursive: true, force: true });
  }

  async listIngests(): Promise<IngestStatus[]> {
    let names: string[];
    try {
      names = await readdir(this.ingestDir());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw wrapError(e, "list ingests");
    }
    const out: IngestStatus[] = [];
    for (const n of names.filter((x) => x.startsWith("ref-"))) {
      try {
        const meta = JSON.parse(await readFile(join(this.ingestDir(), n, "ref.json"), "utf8")) as { ref: string; expected: Pick<Descriptor, "digest" | "size"> };
        const st = await stat(join(this.ingestDir(), n, "data")).catch(() => undefined);
        out.push({ ref: meta.ref, expected: meta.expected, offset: st?.size ?? 0, updatedAt: Math.floor(st?.mtimeMs ?? 0) });
      } catch {
        // half-created ingest directory: nothing to report
      }
    }
    return out;
  }

  /** @internal used by FsIngestWriter */
  async commitIngest(dataPath: string, dir: string, digest: Digest, size: number): Promise<ContentInfo> {
    const info = await this.commitFile(dataPath, digest, size);
    await rm(dir, { recursive: true, force: true });
    return info;
  }
}

function parseDigestOrSkip(d: string): Digest {
  parseDigest(d);
  return d;
}

function verify(expected: Pick<Descriptor, "digest" | "size">, digest: Digest, size: number): void {
  if (size !== expected.size) throw invalidArgument(`write blob ${expected.digest}: size mismatch: expected ${expected.size} bytes, got ${size}`);
  if (digest !== expected.digest) throw invalidArgument(`write blob: digest mismatch: expected ${expected.digest}, got ${digest}`);
}

class FsIngestWriter implements IngestWriter {
  private done = false;

  constructor(
    private readonly store: FsContentStore,
    readonly ref: string,
    private readonly expected: Pick<Descriptor, "digest" | "size">,
    private readonly fh: FileHandle,
    private readonly digester: Digester,
    private readonly dir: string,
    private readonly release: () => void,
  ) {}

  get offset(): number {
    return this.digester.size;
  }

  private checkOpen(action: string): void {
    if (this.done) throw conflict(`${action}: ingest ${JSON.stringify(this.ref)} is already closed`);
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.checkOpen("write ingest");
    if (this.digester.size + chunk.length > this.expected.size) {
      await this.abort();
      throw invalidArgument(`write ingest ${this.expected.digest}: size mismatch: more than the expected ${this.expected.size} bytes`);
    }
    await this.fh.write(chunk);
    this.digester.update(chunk);
  }

  async commit(): Promise<ContentInfo> {
    this.checkOpen("commit ingest");
    const size = this.digester.size;
    const digest = this.digester.digest();
    try {
      verify(this.expected, digest, size);
      await this.fh.sync();
    } catch (e) {
      await this.abort();
      throw e;
    }
    this.done = true;
    await this.fh.close();
    try {
      return await this.store.commitIngest(join(this.dir, "data"), this.dir, digest, size);
    } finally {
      this.release();
    }
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.fh.sync();
      await this.fh.close();
    } finally {
      this.release();
    }
  }

  async abort(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.fh.close().catch(() => {});
    }
    try {
      await rm(this.dir, { recursive: true, force: true });
    } finally {
      this.release();
    }
  }
}
