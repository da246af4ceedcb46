import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join, dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { Readable, type Writable } from "node:stream";
import { atomicWrite } from "../../util/atomicWrite.js";
import { parseDigest } from "../digest.js";
import { TarWriter } from "./tarWriter.js";

/**
 * Where an exported layout goes: a directory (blobs written beside, renamed into place) or a
 * tar stream. Both write each blob once; metadata files are written by the caller last.
 */
export interface LayoutTarget {
  hasBlob(digest: string): Promise<boolean>;
  writeBlob(digest: string, size: number, body: AsyncIterable<Uint8Array>): Promise<void>;
  writeFile(path: string, data: Buffer): Promise<void>;
  readFile(path: string): Promise<Buffer | undefined>;
  finish(): Promise<void>;
}

export function blobArchivePath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

export function dirTarget(dir: string): LayoutTarget {
  return {
    hasBlob: async (digest) => stat(join(dir, blobArchivePath(digest))).then(() => true, () => false),
    writeBlob: async (digest, size, body) => {
      const path = join(dir, blobArchivePath(digest));
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await pipeline(Readable.from(body), createWriteStream(tmp, { flags: "wx", mode: 0o644 }));
        const st = await stat(tmp);
        if (st.size !== size) throw new Error(`export blob ${digest}: wrote ${st.size} bytes, expected ${size}`);
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
    },
    writeFile: async (p, data) => {
      await mkdir(dir, { recursive: true });
      await atomicWrite(join(dir, p), data);
    },
    readFile: async (p) => readFile(join(dir, p)).catch(() => undefined),
    finish: async () => {},
  };
}

export function tarTarget(out: Writable): LayoutTarget {
  const w = new TarWriter(out);
  const written = new Set<string>();
  const dirs = new Set<string>();
  const ensureDirs = async (path: string) => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (!dirs.has(d)) {
        dirs.add(d);
        await w.directory(d);
      }
    }
  };
  return {
    hasBlob: async (digest) => written.has(digest),
    writeBlob: async (digest, size, body) => {
      written.add(digest);
      const p = blobArchivePath(digest);
      await ensureDirs(p);
      await w.fileFrom(p, size, body);
    },
    writeFile: async (p, data) => {
      await ensureDirs(p);
      await w.file(p, data);
    },
    readFile: async () => undefined,
    finish: () => w.finish(),
  };
}
