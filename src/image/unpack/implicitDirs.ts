import { chmodSync, lchownSync, lstatSync, lutimesSync } from "node:fs";
import { join } from "node:path";
import { SafeRoot, cleanEntryPath } from "./safePath.js";

/**
 * Directories a layer creates only implicitly (it lists `usr/bin/x` but not `usr/`) take the
 * mode, owner and mtime the same directory has in the lower layers, so the merged view keeps
 * e.g. /tmp's 1777 (containerd's mkparent). Applied either while the layer is written (the lower
 * layers are already there) or afterwards: layers applied in parallel record their implicit
 * directories and fix them up once every lower layer is complete (fixImplicitDirs).
 */

/** Copies the metadata of `rel` in the first lower dir that has it (top first) onto `abs`. */
export function copyLowerDirMetadata(rel: string, abs: string, lowerDirs: readonly string[], privileged: boolean, dirTimes: Map<string, Date>): void {
  for (const lower of lowerDirs) {
    // The lower layers are trusted (berth unpacked them); lstat never follows a final symlink.
    const st = lstatSync(join(lower, rel), { throwIfNoEntry: false });
    if (!st) continue;
    if (!st.isDirectory()) return; // a file or symlink below: the layer replaces it with a directory
    if (privileged) lchownSync(abs, st.uid, st.gid);
    chmodSync(abs, st.mode & 0o7777);
    dirTimes.set(rel, st.mtime);
    return;
  }
}

/**
 * The implicit directories of one layer being applied: added when created, dropped when the
 * layer later gives the directory an entry of its own (its metadata wins) or removes or
 * replaces it or anything above it (whiteout, a file entry at that path).
 */
export class ImplicitDirTracker {
  private readonly dirs = new Set<string>();

  created(rel: string): void {
    this.dirs.add(rel);
  }

  explicit(rel: string): void {
    this.dirs.delete(rel);
  }

  removed(rel: string): void {
    if (this.dirs.size === 0) return;
    for (const d of this.dirs) if (d === rel || d.startsWith(`${rel}/`)) this.dirs.delete(d);
  }

  list(): string[] {
    return [...this.dirs];
  }
}

/**
 * Gives the directories a layer recorded as implicit (ApplyLayerResult.implicitDirs) their
 * lower metadata, once `lowerDirs` (top first) are complete. The paths are checked again as the
 * applier does (every component a real directory, never a symlink), so a wrong list can never
 * make this write outside `root`; a path that is no longer a directory is left alone.
 */
export function fixImplicitDirs(root: string, implicitDirs: readonly string[], lowerDirs: readonly string[], privileged: boolean): void {
  if (implicitDirs.length === 0 || lowerDirs.length === 0) return;
  const safe = new SafeRoot(root);
  const dirTimes = new Map<string, Date>();
  for (const rel of implicitDirs) {
    const parts = cleanEntryPath(rel);
    if (parts.length === 0) continue;
    const abs = safe.parentsOfSync(parts, false);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st?.isDirectory()) continue;
    safe.markDirectory(parts);
    copyLowerDirMetadata(parts.join("/"), abs, lowerDirs, privileged, dirTimes);
  }
  // chmod/chown leave every mtime alone, so times can be set in any order.
  for (const [rel, t] of dirTimes) lutimesSync(join(root, rel), t, t);
}
