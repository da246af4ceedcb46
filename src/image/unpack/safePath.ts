import { lstatSync, mkdirSync } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument } from "../../errors/EngineError.js";

/**
 * Path rules for writing archive entries under a root without ever leaving it:
 * - entry names are cleaned into components: leading `/` and `./` dropped (absolute names are
 *   taken relative to the root), empty and `.` components dropped, any `..` refused (no honest
 *   tool writes one; refusing beats guessing what it should mean);
 * - every parent directory is checked with lstat, component by component, and must be a real
 *   directory: a symlink (or anything else) as a parent is refused, so no write ever goes
 *   through a link, wherever it points. Missing parents are created (mode 0755).
 */
export function cleanEntryPath(name: string, what = "entry"): string[] {
  if (name.includes("\0")) throw invalidArgument(`unpack layer: ${what} ${JSON.stringify(name)} contains a NUL byte`);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw invalidArgument(`unpack layer: ${what} ${JSON.stringify(name)} contains '..'`);
  return parts;
}

/** Tracks directories already verified under one root (invalidated when a path is replaced). */
export class SafeRoot {
  private readonly verified = new Set<string>();

  /**
   * `onCreateDir` runs for every parent directory created implicitly (an entry whose parents
   * the archive did not list), e.g. to copy the metadata the directory has in lower layers.
   */
  constructor(readonly root: string, private readonly onCreateDir?: (rel: string, abs: string) => Promise<void>) {}

  abs(parts: readonly string[]): string {
    return parts.length === 0 ? this.root : join(this.root, ...parts);
  }

  /** Forget verification of `parts` and everything below (it is being replaced). */
  invalidate(parts: readonly string[]): void {
    const key = parts.join("/");
    for (const k of this.verified) if (k === key || k.startsWith(`${key}/`)) this.verified.delete(k);
  }

  /**
   * Makes sure every parent of `parts` is a real directory inside the root (creating missing
   * ones unless `create` is false: then a missing parent is InvalidArgument) and returns the
   * absolute path of the entry itself.
   */
  async parentsOf(parts: readonly string[], create = true): Promise<string> {
    for (let i = 0; i < parts.length - 1; i++) {
      const rel = parts.slice(0, i + 1);
      const key = rel.join("/");
      if (this.verified.has(key)) continue;
      const p = this.abs(rel);
      const st = await lstat(p).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined;
        throw e;
      });
      if (!st) {
        if (!create) throw invalidArgument(`unpack layer: ${JSON.stringify(key)} (parent of ${JSON.stringify(parts.join("/"))}) does not exist in this layer`);
        await mkdir(p, { mode: 0o755 });
        await this.onCreateDir?.(key, p);
      } else if (st.isSymbolicLink()) {
        throw invalidArgument(`unpack layer: parent ${JSON.stringify(key)} of ${JSON.stringify(parts.join("/"))} is a symlink; refusing to write through it`);
      } else if (!st.isDirectory()) {
        throw invalidArgument(`unpack layer: parent ${JSON.stringify(key)} of ${JSON.stringify(parts.join("/"))} is not a directory`);
      }
      this.verified.add(key);
    }
    return this.abs(parts);
  }

  /**
   * parentsOf with synchronous calls, for extraction loops where a threadpool round trip per
   * call costs more than the call itself (a layer makes tens of thousands of them). Same rules;
   * `onCreateDir` here must be synchronous.
   */
  parentsOfSync(parts: readonly string[], create = true, onCreateDir?: (rel: string, abs: string) => void): string {
    for (let i = 0; i < parts.length - 1; i++) {
      const key = i === 0 ? parts[0]! : parts.slice(0, i + 1).join("/");
      if (this.verified.has(key)) continue;
      const p = join(this.root, key);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) {
        if (!create) throw invalidArgument(`unpack layer: ${JSON.stringify(key)} (parent of ${JSON.stringify(parts.join("/"))}) does not exist in this layer`);
        mkdirSync(p, { mode: 0o755 });
        onCreateDir?.(key, p);
      } else if (st.isSymbolicLink()) {
        throw invalidArgument(`unpack layer: parent ${JSON.stringify(key)} of ${JSON.stringify(parts.join("/"))} is a symlink; refusing to write through it`);
      } else if (!st.isDirectory()) {
        throw invalidArgument(`unpack layer: parent ${JSON.stringify(key)} of ${JSON.stringify(parts.join("/"))} is not a directory`);
      }
      this.verified.add(key);
    }
    return this.abs(parts);
  }

  /** Marks a directory just created/kept by the applier as verified. */
  markDirectory(parts: readonly string[]): void {
    this.verified.add(parts.join("/"));
  }
}
