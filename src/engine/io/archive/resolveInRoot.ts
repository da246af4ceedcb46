import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument } from "../../../errors/EngineError.js";

/** Linux's limit on symlinks followed in one lookup. */
const MAX_LINKS = 40;

export interface ResolvedPath {
  /** Absolute path on the host (under the root). */
  host: string;
  /** The same place as the container sees it ("/etc/hosts"). */
  inContainer: string;
}

/**
 * Resolves a container path under `root` the way the container would (moby's
 * FollowSymlinkInScope): component by component with lstat, every symlink read and followed
 * inside the root (absolute targets restart at the root, `..` stops at the root), so no path
 * resolves outside it whatever the container's links say. The final component is followed only
 * with `followFinal`. Missing components are kept as named (the caller sees ENOENT).
 * Between this and the use of the path a running container could swap a directory for a link:
 * callers that write check parents again with lstat (SafeRoot).
 */
export async function resolveInRoot(root: string, path: string, followFinal: boolean): Promise<ResolvedPath> {
  if (path.includes("\0")) throw invalidArgument(`archive: path ${JSON.stringify(path)} contains a NUL byte`);
  let queue = path.split("/");
  const resolved: string[] = [];
  let links = 0;
  let missing = false;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === "" || c === ".") continue;
    if (c === "..") { resolved.pop(); continue; }
    const isLast = queue.every((q) => q === "" || q === ".");
    if (missing) { resolved.push(c); continue; }
    const st = await lstat(join(root, ...resolved, c)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT" || e.code === "ENOTDIR") return null;
      throw e;
    });
    if (!st) { missing = true; resolved.push(c); continue; }
    if (st.isSymbolicLink() && (!isLast || followFinal)) {
      if (++links > MAX_LINKS) throw invalidArgument(`archive: too many levels of symbolic links in ${JSON.stringify(path)}`);
      const target = await readlink(join(root, ...resolved, c));
      if (target.startsWith("/")) resolved.length = 0;
      queue = [...target.split("/"), ...queue];
      continue;
    }
    resolved.push(c);
  }
  return { host: resolved.length ? join(root, ...resolved) : root, inContainer: "/" + resolved.join("/") };
}
