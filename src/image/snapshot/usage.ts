import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { SnapshotUsage } from "./Snapshotter.js";

/**
 * Disk usage of a directory tree as `du` counts it: allocated blocks, each inode once (hard
 * links), never following symlinks or crossing into other filesystems.
 */
export async function directoryUsage(root: string): Promise<SnapshotUsage> {
  const seen = new Set<string>();
  let size = 0;
  let inodes = 0;
  const top = await lstat(root, { bigint: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (!top) return { size: 0, inodes: 0 };
  const dev = top.dev;
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    const st = await lstat(p, { bigint: true });
    if (st.dev !== dev) continue;
    const id = `${st.ino}`;
    if (st.nlink > 1n && !st.isDirectory()) {
      if (seen.has(id)) continue;
      seen.add(id);
    }
    inodes++;
    size += Number(st.blocks) * 512;
    if (st.isDirectory()) for (const n of await readdir(p)) stack.push(join(p, n));
  }
  return { size, inodes };
}
