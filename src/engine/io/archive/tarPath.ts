import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { internal } from "../../../errors/EngineError.js";
import { dataPadding, encodeHeader, endOfArchive, tarEntryTypeOf } from "../../../image/unpack/tarWriter.js";

/**
 * A file or directory tree as a tar stream (the body of GET /containers/{id}/archive), its
 * entries named from `name` (moby's TarResourceRebase: `name`, `name/child`, …). Links are
 * archived as links, never followed; hard links inside the tree become tar hard links; sockets
 * are left out. Extended attributes are not archived.
 */
export async function* tarPath(hostPath: string, name: string): AsyncGenerator<Buffer> {
  const seen = new Map<string, string>();
  yield* entry(hostPath, name, seen);
  yield endOfArchive();
}

async function* entry(abs: string, rel: string, seen: Map<string, string>): AsyncGenerator<Buffer> {
  const st = await lstat(abs, { bigint: true });
  const common = { uid: Number(st.uid), gid: Number(st.gid), mtime: new Date(Number(st.mtimeMs)), mode: Number(st.mode) & 0o7777 };
  if (!st.isDirectory() && st.nlink > 1n) {
    const key = `${st.dev}:${st.ino}`;
    const first = seen.get(key);
    if (first !== undefined) {
      yield encodeHeader({ path: rel, type: "hardlink", linkpath: first, size: 0, ...common });
      return;
    }
    seen.set(key, rel);
  }
  const type = tarEntryTypeOf(st);
  if (type === undefined) return;
  const rdev = st.rdev;
  const size = type === "file" ? Number(st.size) : 0;
  const header: Parameters<typeof encodeHeader>[0] = {
    path: rel, type, size, ...common,
    devmajor: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    devminor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
  };
  if (type === "symlink") header.linkpath = await readlink(abs);
  yield encodeHeader(header);
  if (type === "file") {
    let written = 0;
    if (size > 0) {
      for await (const chunk of createReadStream(abs, { start: 0, end: size - 1 })) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    if (written !== size) throw internal(`archive: ${rel} changed size while being archived (${size} → ${written})`);
    yield dataPadding(size);
  } else if (type === "dir") {
    const names = (await readdir(abs)).sort();
    for (const n of names) yield* entry(join(abs, n), `${rel}/${n}`, seen);
  }
}
