import { lstatSync, readdirSync } from "node:fs";
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

/**
 * directoryUsage with synchronous calls, for worker threads (a layer just applied): each call is
 * a few microseconds, a threadpool round trip tens. Never on the daemon's main thread.
 */
export function directoryUsageSync(root: string): SnapshotUsage {
  const seen = new Set<string>();
  let size = 0;
  let inodes = 0;
  const top = lstatSync(root, { bigint: true, throwIfNoEntry: false });
  if (!top) return { size: 0, inodes: 0 };
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    const st = lstatSync(p, { bigint: true });
    if (st.dev !== top.dev) continue;
    if (st.nlink > 1n && !st.isDirectory()) {
      const id = `${st.ino}`;
      if (seen.has(id)) continue;
      seen.add(id);
    }
    inodes++;
    size += Number(st.blocks) * 512;
    if (st.isDirectory()) for (const n of readdirSync(p)) stack.push(join(p, n));
  }
  return { size, inodes };
}
