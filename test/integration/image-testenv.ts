import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageService } from "../../src/image/ImageService.js";
import { openTestDatabase } from "../../src/image/metadata/testDatabase.js";
import type { SqliteDatabase } from "../../src/image/metadata/sqlite.js";

/**
 * A throwaway image data root for root integration tests: a temp dir, a SQLite file inside it,
 * an ImageService on top. `close` checks that no mount under the root was left behind, then
 * removes everything.
 */
export interface ImageTestEnv {
  root: string;
  db: SqliteDatabase;
  service: ImageService;
  close(): Promise<void>;
}

export const isRoot = process.getuid?.() === 0;
export const skipUnlessRoot = isRoot ? false : "needs root (overlay mounts, mknod, trusted.* xattrs)";

export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile("/proc/self/mountinfo", "utf8");
  return info
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((mp): mp is string => mp !== undefined && (mp === dir || mp.startsWith(`${dir}/`)));
}

export async function openImageTestEnv(name = "image", rootSuffix = ""): Promise<ImageTestEnv> {
  const base = await mkdtemp(join(tmpdir(), `berth-test-${name}-`));
  const root = rootSuffix ? join(base, rootSuffix) : base;
  const db = openTestDatabase(join(base, "berth.db"));
  let service: ImageService;
  try {
    service = await ImageService.open({ root, db });
  } catch (e) {
    db.close();
    await rm(base, { recursive: true, force: true });
    throw e;
  }
  return {
    root,
    db,
    service,
    async close() {
      const left = await mountsUnder(base);
      db.close();
      if (left.length > 0) {
        // Never rm -rf through a live mount; report instead.
        throw new Error(`test env: mounts left under ${base}: ${left.join(", ")}`);
      }
      await rm(base, { recursive: true, force: true });
    },
  };
}

import { dataPadding, encodeHeader, endOfArchive, type TarHeaderInput } from "../../src/image/unpack/tarWriter.js";

export interface TarItem {
  path: string;
  type?: TarHeaderInput["type"];
  data?: string | Buffer;
  linkpath?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  xattrs?: Map<string, Buffer>;
  devmajor?: number;
  devminor?: number;
}

/** Builds a raw tar exactly as described (no cleaning: hostile names stay hostile). */
export function buildTar(items: TarItem[]): Buffer {
  const parts: Buffer[] = [];
  for (const it of items) {
    const data = it.data === undefined ? Buffer.alloc(0) : Buffer.from(it.data);
    const type = it.type ?? "file";
    const h: TarHeaderInput = { path: it.path, type, mode: it.mode ?? (type === "dir" ? 0o755 : 0o644), uid: it.uid ?? 0, gid: it.gid ?? 0, size: type === "file" ? data.length : 0, mtime: it.mtime ?? new Date("2020-02-02T00:00:00Z") };
    if (it.linkpath !== undefined) h.linkpath = it.linkpath;
    if (it.xattrs) h.xattrs = it.xattrs;
    if (it.devmajor !== undefined) h.devmajor = it.devmajor;
    if (it.devminor !== undefined) h.devminor = it.devminor;
    parts.push(encodeHeader(h));
    if (type === "file") parts.push(data, dataPadding(data.length));
  }
  parts.push(endOfArchive());
  return Buffer.concat(parts);
}

export async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

import { storeImage, storeLayer } from "../../src/image/buildImage.js";
import type { ImageRecord } from "../../src/image/metadata/ImageRecords.js";
import type { Descriptor, ImageConfig } from "../../src/oci/image.js";

/** Stores an image made of the given layer tars (gzip-compressed) and names it. */
export async function buildTestImage(service: ImageService, name: string | undefined, tars: Buffer[], opts: { diffIdOverride?: (i: number, real: string) => string } = {}): Promise<ImageRecord> {
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const [i, t] of tars.entries()) {
    const l = await storeLayer(service.content, once(t));
    layers.push(l.descriptor);
    diffIds.push(opts.diffIdOverride ? opts.diffIdOverride(i, l.diffId) : l.diffId);
  }
  const config: ImageConfig = { architecture: "amd64", os: "linux", created: "2024-05-06T07:08:09Z", config: { Cmd: ["sh"], Labels: { test: name ?? "none" } }, rootfs: { type: "layers", diff_ids: diffIds } };
  const stored = await storeImage(service.content, layers, config);
  return service.recordImage(stored.manifest, name ? [name] : []);
}
