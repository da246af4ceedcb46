import { constants } from "node:fs";
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink } from "node:fs/promises";
import { EngineError, invalidArgument, wrapError } from "../../../errors/EngineError.js";
import { FsCallError, LazyFsHelper, S_IFBLK, S_IFCHR, S_IFIFO } from "../../../image/unpack/FsHelper.js";
import { SafeRoot, cleanEntryPath } from "../../../image/unpack/safePath.js";
import { readTar, type TarEntry } from "../../../image/unpack/tarReader.js";

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse (docker cp's default). */
  noOverwriteDirNonDir: boolean;
  /** Owner for every entry (docker cp -a: the container's user); otherwise the archive's owners. */
  chownTo?: { uid: number; gid: number };
}

/**
 * Extracts a tar (PUT /containers/{id}/archive) into `dest`, a directory already resolved in
 * the container's root. The image side's path rules apply (safePath.ts): `..` entries are
 * refused, absolute names are taken relative to `dest`, and no parent may be a symlink, so
 * nothing is ever written outside `dest`, whatever the archive or the container's links say.
 * Unlike a layer, `.wh.` names are ordinary files here.
 */
export async function extractInto(dest: string, tar: AsyncIterable<Uint8Array>, opts: ExtractOptions): Promise<number> {
  const safe = new SafeRoot(dest);
  const helper = new LazyFsHelper();
  const dirTimes: [string, Date][] = [];
  let count = 0;
  try {
    for await (const { entry, body } of readTar(tar)) {
      // readTar skips whatever of a body the entry did not read.
      await applyEntry(safe, helper, entry, body, opts, dirTimes);
      count++;
    }
    for (const [abs, t] of dirTimes.reverse()) await lutimes(abs, t, t).catch(() => {});
    return count;
  } catch (e) {
    if (e instanceof EngineError) throw e;
    if (e instanceof FsCallError) throw new EngineError("Internal", `extract archive: ${e.message}`, { cause: e });
    throw wrapError(e, "extract archive");
  } finally {
    await helper.close();
  }
}

async function applyEntry(safe: SafeRoot, helper: LazyFsHelper, e: TarEntry, body: AsyncIterable<Buffer>, opts: ExtractOptions, dirTimes: [string, Date][]): Promise<void> {
  const parts = cleanEntryPath(e.path).filter(Boolean);
  if (parts.length === 0) return; // "./": the destination itself is not changed
  const rel = parts.join("/");
  const abs = await safe.parentsOf(parts);
  const existing = await lstat(abs).catch(() => undefined);
  if (existing) {
    const isDir = e.type === "dir";
    if (opts.noOverwriteDirNonDir && existing.isDirectory() && !isDir) throw invalidArgument(`cannot overwrite directory "${rel}" with non-directory "${e.path}"`);
    if (opts.noOverwriteDirNonDir && !existing.isDirectory() && isDir) throw invalidArgument(`cannot overwrite non-directory "${rel}" with directory "${e.path}"`);
    if (!(isDir && existing.isDirectory())) {
      safe.invalidate(parts);
      await rm(abs, { recursive: true, force: true });
    }
  }
  switch (e.type) {
    case "file": {
      const fh = await open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        for await (const chunk of body) await fh.write(chunk);
      } finally {
        await fh.close();
      }
      break;
    }
    case "dir":
      if (!existing || !existing.isDirectory()) await mkdir(abs, { mode: 0o700 });
      safe.markDirectory(parts);
      break;
    case "symlink":
      await symlink(e.linkpath!, abs);
      break;
    case "hardlink": {
      const tparts = cleanEntryPath(e.linkpath!, "hard link target");
      if (tparts.length === 0) throw invalidArgument(`extract archive: hard link ${JSON.stringify(rel)} points at the destination itself`);
      const tabs = await safe.parentsOf(tparts, false);
      const tst = await lstat(tabs).catch(() => undefined);
      if (!tst || tst.isDirectory()) throw invalidArgument(`extract archive: hard link ${JSON.stringify(rel)}: target ${JSON.stringify(e.linkpath)} is missing or a directory`);
      await link(tabs, abs);
      return;
    }
    case "char":
    case "block":
      await helper.get().mknod(abs, (e.type === "char" ? S_IFCHR : S_IFBLK) | 0o600, e.devmajor, e.devminor);
      break;
    case "fifo":
      await helper.get().mknod(abs, S_IFIFO | 0o600);
      break;
  }
  const owner = opts.chownTo ?? { uid: e.uid, gid: e.gid };
  await lchown(abs, owner.uid, owner.gid);
  if (e.type !== "symlink") await chmod(abs, e.mode & 0o7777);
  if (e.type === "dir") dirTimes.push([abs, e.mtime]);
  else await lutimes(abs, e.mtime, e.mtime);
}
