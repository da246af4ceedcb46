import { mkdtemp, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EngineError } from "../../../errors/EngineError.js";
import type { SnapshotMount } from "../../../image/snapshot/Snapshotter.js";
import { mountAll, unmountAll } from "../../../image/snapshot/mountAll.js";
import { mountBinds, readBindMounts, unmountBinds, type BindMount } from "./bindMounts.js";

/** A container's file tree as the host can reach it, and how to let go of it. */
export interface RootAccess {
  root: string;
  release(): Promise<void>;
  /** The container's bind mounts (volumes among them), when known: a PUT into a read-only one is refused. */
  binds?: BindMount[];
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
  /**
   * The container's bind mounts (volumes, -v/--mount binds, /etc/hosts...). Default: those of
   * the OCI spec in the bundle, `<dirname(rootfsDir)>/config.json`.
   */
  binds?: () => Promise<BindMount[]>;
}

/**
 * Access to a container's files for docker cp: a running container through /proc/PID/root
 * (its volumes and binds are mounted there); a stopped one through its rootfs directory if
 * still mounted, else by mounting its snapshot on a temporary directory (read-only unless
 * `write`) with its bind mounts on top (bindMounts.ts: volumes included, as moby mounts them),
 * for the duration of the operation.
 */
export async function openContainerRoot(src: RootSource, write: boolean): Promise<RootAccess> {
  const binds = await (src.binds ?? (() => readBindMounts(join(dirname(src.rootfsDir), "config.json"))))();
  // /proc/PID/root is a magic link: lstat of the root itself (docker cp to or from "/") would see
  // a symlink, not the container's "/" directory. The trailing slash makes every lookup follow it.
  if (src.pid > 0) return { root: `/proc/${src.pid}/root/`, release: async () => {}, binds };
  // Still mounted by the engine (an exit being recorded): mounts added there would show up in
  // the container's next start, so its volumes are not mounted in this short window.
  if (await isMountPoint(src.rootfsDir)) return { root: src.rootfsDir, release: async () => {}, binds };
  const mounts = (await src.mounts()).map((m) => (write ? m : { ...m, options: [...(m.options ?? []), "ro"] }));
  const target = await mkdtemp(join(src.tempParent, ".cp-"));
  try {
    await mountAll(mounts, target);
  } catch (e) {
    await rmdir(target).catch(() => {});
    throw e;
  }
  let bound: string[];
  try {
    bound = await mountBinds(target, binds, write);
  } catch (e) {
    const cleanupErrors: unknown[] = [];
    await unmountAll(target).catch((ce) => cleanupErrors.push(ce));
    await rmdir(target).catch((ce) => cleanupErrors.push(ce));
    if (cleanupErrors.length) throw new EngineError("Internal", `archive: ${(e as Error).message}`, { cause: e, cleanupErrors });
    throw e;
  }
  let released = false;
  return {
    root: target,
    binds,
    async release() {
      if (released) return;
      released = true;
      const errors: unknown[] = [];
      await unmountBinds(bound).catch((e) => errors.push(e));
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
