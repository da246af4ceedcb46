import { mkdtemp, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EngineError } from "../../../errors/EngineError.js";
import type { SnapshotMount } from "../../../image/snapshot/Snapshotter.js";
import { mountAll, unmountAll } from "../../../image/snapshot/mountAll.js";

/** A container's file tree as the host can reach it, and how to let go of it. */
export interface RootAccess {
  root: string;
  release(): Promise<void>;
}

export interface RootSource {
  /** Init pid of a running container (0 otherwise): its /proc/PID/root shows the container's own view, volumes and bind mounts included. */
  pid: number;
  /** <record.dir>/rootfs: used as is when the engine keeps it mounted. */
  rootfsDir: string;
  /** The snapshot mounts of the container's root (ImageService.containerMounts). */
  mounts: () => Promise<SnapshotMount[]>;
  /** Temporary mount points go here (same filesystem as the container's directory). */
  tempParent: string;
}

/**
 * Access to a container's files for docker cp: a running container through /proc/PID/root;
 * a stopped one through its rootfs directory if still mounted, else by mounting its snapshot
 * on a temporary directory (read-only unless `write`) for the duration of the operation.
 */
export async function openContainerRoot(src: RootSource, write: boolean): Promise<RootAccess> {
  // /proc/PID/root is a magic link: lstat of the root itself (docker cp to or from "/") would see
  // a symlink, not the container's "/" directory. The trailing slash makes every lookup follow it.
  if (src.pid > 0) return { root: `/proc/${src.pid}/root/`, release: async () => {} };
  if (await isMountPoint(src.rootfsDir)) return { root: src.rootfsDir, release: async () => {} };
  const mounts = (await src.mounts()).map((m) => (write ? m : { ...m, options: [...(m.options ?? []), "ro"] }));
  const target = await mkdtemp(join(src.tempParent, ".cp-"));
  try {
    await mountAll(mounts, target);
  } catch (e) {
    await rmdir(target).catch(() => {});
    throw e;
  }
  let released = false;
  return {
    root: target,
    async release() {
      if (released) return;
      released = true;
      const errors: unknown[] = [];
      await unmountAll(target).catch((e) => errors.push(e));
      await rmdir(target).catch((e) => errors.push(e));
      if (errors.length) throw new EngineError("Internal", `archive: release the temporary mount ${target}`, { cleanupErrors: errors });
    },
  };
}

async function isMountPoint(dir: string): Promise<boolean> {
  const [a, b] = await Promise.all([stat(dir).catch(() => null), stat(dirname(dir)).catch(() => null)]);
  return !!a && !!b && a.dev !== b.dev;
}
