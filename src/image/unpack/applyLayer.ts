import { chmodSync, closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, writeSync } from "node:fs";
import { EngineError, invalidArgument, wrapError } from "../../errors/EngineError.js";
import type { Digest } from "../../oci/image.js";
import { Digester } from "../digest.js";
import { decompressLayer, type Compression } from "./decompress.js";
import { FsCallError, LazyFsHelper, S_IFBLK, S_IFCHR, S_IFIFO } from "./FsHelper.js";
import { ImplicitDirTracker, copyLowerDirMetadata } from "./implicitDirs.js";
import { SafeRoot, cleanEntryPath } from "./safePath.js";
import { readTar, type TarEntry } from "./tarReader.js";
import { WHITEOUT_OPAQUE, WHITEOUT_PREFIX, OVERLAY_OPAQUE_XATTR } from "./whiteout.js";

/**
 * Applies one layer (a tar, possibly gzip/zstd-compressed) into `root`, the upper directory of
 * a fresh active snapshot, the way overlayfs wants it: `.wh.name` becomes a 0/0 character
 * device, `.wh..wh..opq` the opaque xattr on its directory. Ownership, modes, mtimes, xattrs,
 * hard links, symlinks, device nodes (root only) and fifos are kept. No write can land outside
 * `root` (see safePath.ts). The uncompressed stream is hashed; if `expectedDiffId` is given and
 * differs, InvalidArgument is thrown (the caller discards the snapshot).
 */
export interface ApplyLayerOptions {
  mediaType?: string;
  expectedDiffId?: Digest;
  /** Apply ownership, device nodes, trusted.* and security.* xattrs (default: running as root). */
  privileged?: boolean;
  /**
   * The lower layers' directories, top first. A directory the layer creates only implicitly (it
   * lists `usr/bin/x` but not `usr/`) gets the mode, owner and mtime it has below, so the merged
   * view keeps e.g. /tmp's 1777 (containerd's mkparent).
   */
  lowerDirs?: readonly string[];
  /**
   * "copy" (default): implicit directories take their lower metadata at once, so `lowerDirs`
   * must be complete. "record": they are left as created and listed in the result's
   * `implicitDirs` for fixImplicitDirs (implicitDirs.ts), so a layer can be applied before the
   * layers below it exist; `lowerDirs` is then ignored.
   */
  implicitDirs?: "copy" | "record";
  /**
   * The digest the content store computed (and checked) when it stored `blob`. An uncompressed
   * layer's diff_id is that digest, so it is not hashed a second time (a sha256 of the whole
   * tar, ~15% of the CPU of applying a layer); a compressed one is hashed as ever.
   */
  storedDigest?: Digest;
}

export interface ApplyLayerResult {
  diffId: Digest;
  compression: Compression;
  /** Uncompressed tar size in bytes. */
  tarSize: number;
  entries: number;
  /** Device nodes left out because not privileged. */
  skippedDevices: number;
  /** With `implicitDirs: "record"`: the directories created only implicitly, still in place. */
  implicitDirs?: string[];
}

export async function applyLayer(root: string, blob: AsyncIterable<Uint8Array>, opts: ApplyLayerOptions = {}): Promise<ApplyLayerResult> {
  const privileged = opts.privileged ?? process.getuid?.() === 0;
  const helper = new LazyFsHelper();
  const dirTimes = new Map<string, Date>();
  const safe = new SafeRoot(root);
  const tracker = opts.implicitDirs === "record" ? new ImplicitDirTracker() : undefined;
  const onCreateDir = tracker ? (rel: string) => tracker.created(rel) : (rel: string, abs: string) => copyLowerDirMetadata(rel, abs, opts.lowerDirs ?? [], privileged, dirTimes);
  const digester = new Digester();
  let entries = 0;
  let skippedDevices = 0;
  try {
    const { compression, stream } = await decompressLayer(blob, opts.mediaType);
    const known = compression === "none" ? opts.storedDigest : undefined;
    if (known !== undefined && opts.expectedDiffId !== undefined && known !== opts.expectedDiffId) {
      throw invalidArgument(`unpack layer: diff id mismatch: expected ${opts.expectedDiffId}, got ${known}`);
    }
    let size = 0;
    const hashed = known !== undefined
      ? (async function* () {
        for await (const c of stream) {
          size += c.length;
          yield c;
        }
      })()
      : (async function* () {
        for await (const c of stream) {
          digester.update(c);
          yield c;
        }
      })();
    for await (const { entry, body } of readTar(hashed)) {
      entries++;
      const r = await applyEntry(safe, onCreateDir, helper, entry, body, privileged, dirTimes, tracker);
      if (r === "skipped-device") skippedDevices++;
    }
    // Directory mtimes last, deepest first: creating children changed them.
    const dirs = [...dirTimes.entries()].sort(([a], [b]) => b.split("/").length - a.split("/").length);
    for (const [rel, t] of dirs) lutimesSync(rel === "" ? root : safe.abs(rel.split("/")), t, t);
    const diffId = known ?? digester.digest();
    if (opts.expectedDiffId !== undefined && diffId !== opts.expectedDiffId) {
      throw invalidArgument(`unpack layer: diff id mismatch: expected ${opts.expectedDiffId}, got ${diffId}`);
    }
    const result: ApplyLayerResult = { diffId, compression, tarSize: known !== undefined ? size : digester.size, entries, skippedDevices };
    if (tracker) result.implicitDirs = tracker.list();
    return result;
  } catch (e) {
    if (e instanceof EngineError) throw e;
    if (e instanceof FsCallError) throw new EngineError("Internal", `unpack layer: ${e.message}`, { cause: e });
    if ((e as NodeJS.ErrnoException).code === "Z_DATA_ERROR" || (e as NodeJS.ErrnoException).code === "Z_BUF_ERROR") {
      throw invalidArgument(`unpack layer: corrupt gzip stream: ${(e as Error).message}`, { cause: e });
    }
    throw wrapError(e, "unpack layer");
  } finally {
    await helper.close();
  }
}

/**
 * The filesystem calls here are synchronous on purpose: each is a few microseconds in the
 * kernel, while an async call's threadpool round trip costs tens; a layer makes tens of
 * thousands of them. Only the rare helper calls (xattrs, device nodes) are awaited.
 */
async function applyEntry(safe: SafeRoot, onCreateDir: (rel: string, abs: string) => void, helper: LazyFsHelper, e: TarEntry, body: AsyncIterable<Buffer>, privileged: boolean, dirTimes: Map<string, Date>, tracker: ImplicitDirTracker | undefined): Promise<"ok" | "skipped-device" | "ignored"> {
  const parts = cleanEntryPath(e.path);
  const base = parts[parts.length - 1];
  if (base !== undefined && base.startsWith(WHITEOUT_PREFIX)) return applyWhiteout(safe, onCreateDir, helper, parts, base, tracker);
  if (parts.length === 0) {
    // "./" itself: only a directory may describe the root; its metadata applies to the root.
    if (e.type !== "dir") throw invalidArgument(`unpack layer: entry ${JSON.stringify(e.path)} names the root but is a ${e.type}`);
    await applyMetadata(safe.root, e, privileged, helper);
    dirTimes.set("", e.mtime);
    return "ok";
  }
  const rel = parts.join("/");
  const abs = safe.parentsOfSync(parts, true, onCreateDir);
  const existing = lstatSync(abs, { throwIfNoEntry: false });
  if (existing && !(e.type === "dir" && existing.isDirectory())) {
    safe.invalidate(parts);
    tracker?.removed(rel);
    rmSync(abs, { recursive: true, force: true });
  }
  switch (e.type) {
    case "file": {
      const fd = openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        // The tar reader hands out slices of the decompressed chunks: written as they are.
        for await (const chunk of body) {
          for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
        }
        if (e.xattrs.size === 0) {
          // The common case, on the descriptor: no path walk per call. Same order as
          // applyMetadata (owner, mode, times).
          if (privileged) fchownSync(fd, e.uid, e.gid);
          fchmodSync(fd, e.mode & 0o7777);
          futimesSync(fd, e.mtime, e.mtime);
          return "ok";
        }
      } finally {
        closeSync(fd);
      }
      break;
    }
    case "dir":
      if (!existing || !existing.isDirectory()) mkdirSync(abs, { mode: 0o700 });
      safe.markDirectory(parts);
      tracker?.explicit(rel);
      break;
    case "symlink":
      // The target is stored as written: it is resolved inside the container's root at run
      // time, and this applier never follows links while writing.
      symlinkSync(e.linkpath!, abs);
      break;
    case "hardlink": {
      const tparts = cleanEntryPath(e.linkpath!, "hard link target");
      if (tparts.length === 0) throw invalidArgument(`unpack layer: hard link ${JSON.stringify(rel)} points at the root`);
      const tabs = safe.parentsOfSync(tparts, false);
      const tst = lstatSync(tabs, { throwIfNoEntry: false });
      if (!tst) throw invalidArgument(`unpack layer: hard link ${JSON.stringify(rel)}: target ${JSON.stringify(e.linkpath)} is not in this layer`);
      if (tst.isDirectory()) throw invalidArgument(`unpack layer: hard link ${JSON.stringify(rel)}: target ${JSON.stringify(e.linkpath)} is a directory`);
      // link(2) never follows a symlink target: linking a symlink copies the link itself.
      linkSync(tabs, abs);
      return "ok"; // a hard link shares the target's inode and metadata
    }
    case "char":
    case "block":
      if (!privileged) return "skipped-device";
      await helper.get().mknod(abs, (e.type === "char" ? S_IFCHR : S_IFBLK) | 0o600, e.devmajor, e.devminor);
      break;
    case "fifo":
      await helper.get().mknod(abs, S_IFIFO | 0o600);
      break;
  }
  await applyMetadata(abs, e, privileged, helper);
  if (e.type === "dir") dirTimes.set(rel, e.mtime);
  return "ok";
}

async function applyWhiteout(safe: SafeRoot, onCreateDir: (rel: string, abs: string) => void, helper: LazyFsHelper, parts: string[], base: string, tracker: ImplicitDirTracker | undefined): Promise<"ok" | "ignored"> {
  const dirParts = parts.slice(0, -1);
  if (base === WHITEOUT_OPAQUE) {
    // The directory itself: create if missing (its own entry may come later or not at all).
    safe.parentsOfSync([...dirParts, "x"], true, onCreateDir);
    const dirAbs = safe.abs(dirParts);
    const st = lstatSync(dirAbs, { throwIfNoEntry: false });
    if (!st) mkdirSync(dirAbs, { mode: 0o755 });
    else if (!st.isDirectory()) throw invalidArgument(`unpack layer: opaque marker in ${JSON.stringify(dirParts.join("/"))}, which is not a directory`);
    safe.markDirectory(dirParts);
    await helper.get().lsetxattr(dirAbs, OVERLAY_OPAQUE_XATTR, Buffer.from("y"));
    return "ok";
  }
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return "ignored"; // aufs metadata (.wh..wh.plnk etc.)
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === "" || name === "." || name === "..") throw invalidArgument(`unpack layer: invalid whiteout ${JSON.stringify(parts.join("/"))}`);
  const target = [...dirParts, name];
  const abs = safe.parentsOfSync(target, true, onCreateDir);
  safe.invalidate(target);
  tracker?.removed(target.join("/"));
  rmSync(abs, { recursive: true, force: true });
  await helper.get().mknod(abs, S_IFCHR | 0o000, 0, 0);
  return "ok";
}

/** Owner, then mode (chown clears set-id bits), then xattrs (chown clears capabilities), then times. */
async function applyMetadata(abs: string, e: TarEntry, privileged: boolean, helper: LazyFsHelper): Promise<void> {
  if (privileged) lchownSync(abs, e.uid, e.gid);
  if (e.type !== "symlink") chmodSync(abs, e.mode & 0o7777);
  for (const [name, value] of e.xattrs) {
    if (name.startsWith("trusted.overlay.")) continue; // overlay metadata only ever comes from whiteouts
    if (!privileged && !name.startsWith("user.")) continue;
    try {
      await helper.get().lsetxattr(abs, name, value);
    } catch (err) {
      // Filesystems without xattr support for a namespace: the image still works without them,
      // except file capabilities, which a program may rely on.
      if (err instanceof FsCallError && err.code === "EOPNOTSUPP" && name !== "security.capability") continue;
      throw err;
    }
  }
  if (e.type !== "dir") lutimesSync(abs, e.mtime, e.mtime);
}
