import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { internal } from "../../errors/EngineError.js";
import type { LazyFsHelper } from "./FsHelper.js";
import { dataPadding, encodeHeader, endOfArchive, tarEntryTypeOf } from "./tarWriter.js";
import { OVERLAY_OPAQUE_XATTR, WHITEOUT_OPAQUE, isOpaqueValue, isOverlayWhiteout, whiteoutName } from "./whiteout.js";

/**
 * Turns an overlay upper directory (a container's changes) into a layer tar: files as they are,
 * overlay whiteouts (0/0 character devices) back to `.wh.<name>` entries and opaque directories
 * to a `.wh..wh..opq` entry, hard links within the tree as tar links, xattrs as SCHILY.xattr
 * (minus overlay's own trusted.overlay.*). Entries are emitted in sorted order, parents first.
 */
export async function* diffTar(upper: string, helper: LazyFsHelper): AsyncGenerator<Buffer> {
  const seenInodes = new Map<string, string>();
  yield* walk(upper, "", helper, seenInodes);
  yield endOfArchive();
}

const sortNames = (names: string[]) => names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

async function* walk(abs: string, rel: string, helper: LazyFsHelper, seen: Map<string, string>): AsyncGenerator<Buffer> {
  for (const name of sortNames(await readdir(abs))) {
    const p = join(abs, name);
    const r = rel === "" ? name : `${rel}/${name}`;
    const st = await lstat(p, { bigint: true });
    const mtime = new Date(Number(st.mtimeMs));
    const common = { uid: Number(st.uid), gid: Number(st.gid), mtime };
    if (isOverlayWhiteout({ isCharacterDevice: () => st.isCharacterDevice(), rdev: st.rdev })) {
      const wh = rel === "" ? whiteoutName(name) : `${rel}/${whiteoutName(name)}`;
      yield encodeHeader({ path: wh, type: "file", mode: 0o644, size: 0, ...common, uid: 0, gid: 0 });
      continue;
    }
    const all = await helper.get().lgetxattrs(p);
    const opaque = st.isDirectory() && isOpaqueValue(all.get(OVERLAY_OPAQUE_XATTR));
    const xattrs = new Map([...all].filter(([k]) => !k.startsWith("trusted.overlay.")));
    const mode = Number(st.mode) & 0o7777;
    const inodeKey = `${st.dev}:${st.ino}`;
    if (!st.isDirectory() && st.nlink > 1n) {
      const first = seen.get(inodeKey);
      if (first !== undefined) {
        yield encodeHeader({ path: r, type: "hardlink", linkpath: first, mode, size: 0, ...common });
        continue;
      }
      seen.set(inodeKey, r);
    }
    const type = tarEntryTypeOf(st);
    if (type === undefined) continue; // sockets are not archived (as tar and Docker do)
    const rdev = st.rdev;
    const devmajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    const devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
    const size = type === "file" ? Number(st.size) : 0;
    const header = { path: r, type, mode, size, ...common, xattrs, devmajor, devminor } as Parameters<typeof encodeHeader>[0];
    if (type === "symlink") header.linkpath = await readlink(p);
    yield encodeHeader(header);
    if (type === "file") {
      let written = 0;
      if (size > 0) for await (const chunk of createReadStream(p, { start: 0, end: size - 1 })) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (written !== size) throw internal(`diff layer: ${r} changed size while being archived (${size} → ${written})`);
      yield dataPadding(size);
    }
    if (type === "dir") {
      if (opaque) yield encodeHeader({ path: `${r}/${WHITEOUT_OPAQUE}`, type: "file", mode: 0o644, size: 0, ...common, uid: 0, gid: 0 });
      yield* walk(p, r, helper, seen);
    }
  }
}
