/**
 * /dev/shm of IPC modes that share it, as moby's setupIPCDirs/IpcMounts do:
 * - `shareable`: the container's shm tmpfs is mounted on the host, at <dir>/mounts/shm, for as
 *   long as it runs (start → exit), and bind-mounted at /dev/shm; containers that join its IPC
 *   namespace bind the same tmpfs, so a file written in one /dev/shm is seen in the other.
 * - `container:<x>`: the donor's shm (its host mount, or what it got itself), bind-mounted.
 * - `host`: the host's /dev/shm, bind-mounted.
 * - `private` (the default, "" in records made before berth set it) keeps a tmpfs of its own in
 *   the spec, and `none` has no /dev/shm: nothing on the host for either.
 * A /dev/shm the container mounts itself (-v, --mount, --tmpfs, --volumes-from) wins, as in moby
 * (its HasMountFor("/dev/shm")): then a shareable container has nothing to share.
 */
import { statSync } from "node:fs";
import { mkdir, chown } from "node:fs/promises";
import { dirname, join } from "node:path";
import { mountAll, unmountAll } from "../../image/snapshot/mountAll.js";
import type { Rollback } from "../../util/rollback.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import type { UsernsMapping } from "./usernsHost.js";
import { remappedRoot } from "./usernsContainer.js";
import { ownDestinations } from "../volumes/volumesFrom.js";

/** Docker's default --shm-size (64 MiB). */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Where a shareable container's shm tmpfs is mounted on the host while it runs. */
export function shmPath(rec: ContainerRecord): string {
  return join(rec.dir, "mounts", "shm");
}

/**
 * Is a tmpfs mounted at a shareable donor's shmPath (its device differs from its parent's)? Not
 * for a donor started before berth mounted it there, or whose mount was lost: binding the bare
 * directory would share nothing.
 */
export function shmMounted(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}

/** Does the container mount something of its own at `dest` (moby's HasMountFor)? */
export function declaresMountAt(rec: ContainerRecord, dest: string): boolean {
  if (ownDestinations(rec.hostConfig).has(dest)) return true;
  return [...(rec.volumes ?? []), ...(rec.copiedBinds ?? [])].some((m) => m.destination === dest);
}

/** A shareable container whose /dev/shm is its own shm tmpfs (the one joiners bind). */
export function hasShareableShm(rec: ContainerRecord): boolean {
  return rec.hostConfig.IpcMode === "shareable" && !declaresMountAt(rec, "/dev/shm");
}

/**
 * At start of a shareable container: a fresh tmpfs (mode 1777, --shm-size or 64 MiB; nosuid,
 * nodev, noexec as moby) at shmPath, owned by the container's root; the undo step goes into `rb`.
 * Anything a daemon that died mid-start left there is unmounted first.
 */
export async function setUpIpcShm(rec: ContainerRecord, userns: UsernsMapping | undefined, rb: Rollback): Promise<void> {
  if (!hasShareableShm(rec)) return;
  const path = shmPath(rec);
  // Traversable (not listable) for a remapped root that binds it; the tmpfs itself is 1777.
  await mkdir(join(rec.dir, "mounts"), { recursive: true, mode: 0o711 });
  await mkdir(path, { recursive: true, mode: 0o700 });
  await unmountAll(path);
  const size = rec.hostConfig.ShmSize && rec.hostConfig.ShmSize > 0 ? rec.hostConfig.ShmSize : DEFAULT_SHM_SIZE;
  await mountAll([{ type: "tmpfs", source: "shm", options: ["nosuid", "nodev", "noexec", "mode=1777", `size=${size}`] }], path);
  rb.add(`unmount ${path}`, () => unmountAll(path));
  if (userns) {
    const root = remappedRoot(userns);
    await chown(path, root.uid, root.gid);
  }
}

/** After a shareable container's exit, and before its removal: its shm tmpfs goes (no-op otherwise). */
export async function tearDownIpcShm(rec: ContainerRecord): Promise<void> {
  if (!hasShareableShm(rec)) return;
  await unmountAll(shmPath(rec));
}
