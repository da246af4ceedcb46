import { chmod, chown, lstat, readdir, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { HostConfig } from "../../api/types/container.js";
import { failedPrecondition, invalidArgument } from "../../errors/EngineError.js";
import { mountAllIdmapped } from "../../image/snapshot/idmappedMounts.js";
import { mountAll } from "../../image/snapshot/mountAll.js";
import type { SnapshotMount } from "../../image/snapshot/Snapshotter.js";
import type { Spec } from "../../oci/runtime.js";
import type { UsernsMapping } from "./usernsHost.js";
import { hostIdOfRoot, mapText } from "./usernsIds.js";

/** The label that opts one container into a user namespace on a daemon without --userns-remap. */
export const USERNS_LABEL = "berth.userns";

/** The daemon's user-namespace settings (ContainerContext.userns). */
export interface UsernsSettings {
  /** --userns-remap: every container gets this mapping unless it says --userns=host. */
  remap?: UsernsMapping;
  /** What `berth.userns=auto` maps to (remap if set, else the berthremap user's ranges if any). */
  optIn?: UsernsMapping;
}

/**
 * The mapping a container runs with, or undefined for the host's user namespace. HostConfig's
 * UsernsMode is "" or "host" (Docker knows no other value); "host" opts out of everything. The
 * label `berth.userns=auto` asks for the optIn mapping (a no-op under --userns-remap).
 */
export function containerUserns(settings: UsernsSettings | undefined, hc: HostConfig, labels: Record<string, string> | null | undefined): UsernsMapping | undefined {
  const mode = hc.UsernsMode ?? "";
  if (mode !== "" && mode !== "host") throw invalidArgument(`invalid userns mode: ${mode}`);
  const label = labels?.[USERNS_LABEL];
  if (label !== undefined && label !== "auto") throw invalidArgument(`label ${USERNS_LABEL}=${label}: the only value is "auto"`);
  if (mode === "host") return undefined;
  if (settings?.remap) return settings.remap;
  if (label === undefined) return undefined;
  if (!settings?.optIn) throw invalidArgument(`label ${USERNS_LABEL}=auto: no subordinate ids are configured: start berthd with --userns-remap, or give the berthremap user ranges in /etc/subuid and /etc/subgid`);
  return settings.optIn;
}

/**
 * The spec's part of a remapped container: a new user namespace with the mapping. Refused as
 * moby does for --privileged (its devices and capabilities are the host's), and for --pid=host
 * and --ipc=host (proc and mqueue of namespaces the container's user namespace does not own
 * cannot be mounted).
 */
export function applyUserns(spec: Spec, m: UsernsMapping, hc: HostConfig): void {
  if (hc.Privileged) throw invalidArgument("privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode");
  if (hc.PidMode === "host") throw invalidArgument("cannot share the host's PID namespace when user namespaces are enabled: use --userns=host");
  if (hc.IpcMode === "host") throw invalidArgument("cannot share the host's IPC namespace when user namespaces are enabled: use --userns=host");
  const linux = (spec.linux ??= {});
  linux.namespaces = [{ type: "user" }, ...(linux.namespaces ?? []).filter((n) => n.type !== "user")];
  linux.uidMappings = m.uids.map((r) => ({ ...r }));
  linux.gidMappings = m.gids.map((r) => ({ ...r }));
}

/** The host uid/gid of the container's root. */
export function remappedRoot(m: UsernsMapping): { uid: number; gid: number } {
  const uid = hostIdOfRoot(m.uids);
  const gid = hostIdOfRoot(m.gids);
  if (uid === undefined || gid === undefined) throw invalidArgument(`user namespace ${m.name}: container id 0 is not mapped`);
  return { uid, gid };
}

/** Can uid/gid (no supplementary groups) search the directory? */
function traversable(st: { mode: number; uid: number; gid: number }, uid: number, gid: number): boolean {
  if (st.uid === uid) return (st.mode & 0o100) !== 0;
  if (st.gid === gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/**
 * Lets the container's root reach its rootfs and /etc files: the runtime resolves them by path
 * from inside the user namespace, where host root's 0700 directories are closed to it. As
 * dockerd does for its remapped root: the containers directory gets o+x (0711: no listing), the
 * container's own directory becomes root:<remapped gid> 0710; every directory above must already
 * let it through (dockerd refuses to start otherwise): FailedPrecondition naming the directory.
 */
export async function openContainerDirs(containerDir: string, m: UsernsMapping): Promise<void> {
  const root = remappedRoot(m);
  const containers = dirname(resolve(containerDir));
  const cst = await stat(containers);
  if (!traversable(cst, root.uid, root.gid)) await chmod(containers, (cst.mode & 0o7777) | 0o711);
  for (let dir = dirname(containers); ; dir = dirname(dir)) {
    const st = await stat(dir);
    if (!traversable(st, root.uid, root.gid)) {
      throw failedPrecondition(`start container: directory ${dir} (mode ${(st.mode & 0o7777).toString(8)}) does not let the remapped root (uid ${root.uid}, gid ${root.gid}) through: allow o+x on it`);
    }
    if (dir === "/") break;
  }
  await chown(containerDir, 0, root.gid);
  await chmod(containerDir, 0o710);
}

/**
 * A remapped container's volumes as dockerd's remapped root makes them: a volume's data
 * directory that is still empty and host root's (just created, nothing copied into it) is given
 * to the container's root, which could not write it otherwise. Content copied from the image
 * already has the shifted owners (the copy reads the idmapped rootfs).
 */
export async function openVolumes(volumes: readonly { source: string }[] | undefined, m: UsernsMapping): Promise<void> {
  const root = remappedRoot(m);
  for (const v of volumes ?? []) {
    const st = await lstat(v.source).catch(() => null);
    if (!st?.isDirectory() || st.uid !== 0 || st.gid !== 0) continue;
    if ((await readdir(v.source)).length === 0) await chown(v.source, root.uid, root.gid);
  }
}

/** The overlay's upper dir (absolute), if the mounts have one. */
function upperDir(mounts: readonly SnapshotMount[]): string | undefined {
  for (const m of mounts) {
    const o = m.options.find((x) => x.startsWith("upperdir="));
    if (!o) continue;
    const p = o.slice("upperdir=".length);
    return isAbsolute(p) ? p : join(m.cwd ?? "/", p);
  }
  return undefined;
}

/**
 * Mounts a container's rootfs: as mountAll without a mapping; with one, the image's layers are
 * idmapped (mountAllIdmapped) and the writable layer's root directory is given to the
 * container's root (it holds host ids: a fresh one is host root's, which the container's root
 * could not write). Files the container writes are stored with their host ids (docs/userns.md).
 */
export async function mountContainerRootfs(mounts: readonly SnapshotMount[], rootfs: string, m: UsernsMapping | undefined): Promise<void> {
  if (!m) return mountAll(mounts, rootfs);
  const root = remappedRoot(m);
  const upper = upperDir(mounts);
  if (upper) {
    const st = await lstat(upper);
    if (st.uid === 0 && st.gid === 0) await chown(upper, root.uid, root.gid);
  }
  await mountAllIdmapped(mounts, rootfs, mapText(m.uids), mapText(m.gids));
}
