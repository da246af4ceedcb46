import { execFile } from "node:child_process";
import { chmod, chown, stat } from "node:fs/promises";
import { isAbsolute, posix } from "node:path";
import { promisify } from "node:util";
import type { ContainerConfig, HostConfig } from "../../api/types/container.js";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import type { Rollback } from "../../util/rollback.js";
import type { ContainerVolumeMount } from "../containers/ContainerRecord.js";
import { resolveInRoot } from "../io/archive/resolveInRoot.js";
import { VOLUME_NAME, type VolumeStore } from "./VolumeStore.js";

const pexec = promisify(execFile);

/** A volume a new container asks for; `name` undefined = a new anonymous volume. */
export interface VolumePlan {
  name?: string;
  destination: string;
  rw: boolean;
  mode: string;
  /** Copy the image's content at destination into the volume when it is empty. */
  copy: boolean;
  labels?: Record<string, string>;
}

/** -v name:/d[:opts] (a source that is not an absolute path names a volume). */
export function isVolumeBind(bind: string): boolean {
  const src = bind.split(":")[0];
  return src !== "" && !isAbsolute(src) && bind.split(":").length >= 2;
}

/**
 * The volumes a container create asks for, in moby's terms: `Binds` entries whose source is a
 * name, `Mounts` of type volume (no Source = anonymous), then the image's and the request's
 * Config.Volumes as anonymous volumes unless a user mount (or one copied by --volumes-from,
 * `copied`) already covers that destination.
 * Checks names and options; creates nothing.
 */
export function planContainerVolumes(hc: HostConfig, config: ContainerConfig, copied: Iterable<string> = []): VolumePlan[] {
  const plans: VolumePlan[] = [];
  for (const b of hc.Binds ?? []) {
    if (!isVolumeBind(b)) continue;
    const [name, dst, mode = ""] = b.split(":");
    if (!VOLUME_NAME.test(name)) {
      throw invalidArgument(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    const opts = mode.split(",").filter((o) => o !== "");
    for (const o of opts) if (!["ro", "rw", "nocopy", "z", "Z"].includes(o)) throw invalidArgument(`invalid mode: ${o}`);
    plans.push({ name, destination: dst, rw: !opts.includes("ro"), mode, copy: !opts.includes("nocopy") });
  }
  for (const m of hc.Mounts ?? []) {
    if (m.Type !== "volume") continue;
    const driver = m.VolumeOptions?.DriverConfig?.Name;
    if (driver && driver !== "local") throw invalidArgument(`invalid mount config for type "volume": volume driver ${JSON.stringify(driver)} is not supported by berth (only "local")`);
    if (Object.keys(m.VolumeOptions?.DriverConfig?.Options ?? {}).length > 0) {
      throw new EngineError("NotImplemented", `invalid mount config for type "volume": driver options are not implemented in berth yet`);
    }
    if (m.VolumeOptions?.Subpath) throw new EngineError("NotImplemented", `invalid mount config for type "volume": volume-subpath is not implemented in berth yet`);
    if (m.Source && !VOLUME_NAME.test(m.Source)) throw invalidArgument(`invalid mount config for type "volume": invalid volume name ${JSON.stringify(m.Source)}`);
    plans.push({ name: m.Source || undefined, destination: m.Target ?? "", rw: m.ReadOnly !== true, mode: "", copy: m.VolumeOptions?.NoCopy !== true, labels: m.VolumeOptions?.Labels });
  }
  const covered = new Set<string>();
  for (const b of hc.Binds ?? []) if (b.split(":").length >= 2) covered.add(posix.normalize(b.split(":")[1]));
  for (const m of hc.Mounts ?? []) if (m.Target) covered.add(posix.normalize(m.Target));
  for (const t of Object.keys(hc.Tmpfs ?? {})) covered.add(posix.normalize(t));
  // moby: an image volume at a destination --volumes-from already mounts is not created.
  for (const d of copied) covered.add(d);
  for (const d of Object.keys(config.Volumes ?? {})) {
    if (!isAbsolute(d)) throw invalidArgument(`invalid volume specification: '${d}': must be an absolute path`);
    if (covered.has(posix.normalize(d))) continue;
    covered.add(posix.normalize(d));
    plans.push({ destination: posix.normalize(d), rw: true, mode: "", copy: true });
  }
  for (const p of plans) {
    if (!p.destination || !isAbsolute(p.destination)) throw invalidArgument(`invalid mount config: volume ${p.name ?? "(anonymous)"}: destination must be an absolute path, got ${JSON.stringify(p.destination)}`);
    p.destination = posix.normalize(p.destination);
    if (p.destination === "/") throw invalidArgument(`invalid mount config: volume ${p.name ?? "(anonymous)"}: destination can't be '/'`);
  }
  return plans;
}

/**
 * Creates what the plans need (a named volume that does not exist yet is created, as Docker
 * does; anonymous ones always) and copies the image's content at each destination into a volume
 * that is still empty, unless nocopy. `rootfs` is the container's mounted root filesystem, or
 * null when no plan copies. Undo steps for the volumes made here go into `rb`.
 */
export async function attachContainerVolumes(store: VolumeStore, containerId: string, plans: readonly VolumePlan[], rootfs: string | null, rb: Rollback): Promise<ContainerVolumeMount[]> {
  const out: ContainerVolumeMount[] = [];
  // Undo steps run newest first: the claims are released after the volumes made here are gone.
  rb.add(`release the volumes claimed by ${containerId}`, async () => store.release(containerId));
  for (const p of plans) {
    const existed = p.name !== undefined && store.find(p.name) !== undefined;
    const v = await store.create({ name: p.name, labels: p.labels, claimBy: containerId });
    // Only what this create made is undone; the new container is not recorded yet, so it holds no reference.
    if (!existed) {
      rb.add(`remove volume ${v.name}`, async () => {
        store.release(containerId);
        await store.remove(v.name, { force: true });
      });
    }
    if (p.copy && rootfs && (await store.isEmpty(v.name))) await copyUp(rootfs, p.destination, v.mountpoint);
    out.push({ name: v.name, destination: p.destination, source: v.mountpoint, rw: p.rw, mode: p.mode, anonymous: v.anonymous });
  }
  return out;
}

/**
 * Docker's copy of the image's content into a new volume: ownership and mode of the directory,
 * then everything below it with `cp -a` (owners, modes, times, links, devices; links are copied,
 * never followed). A destination that is missing or not a directory copies nothing.
 */
async function copyUp(rootfs: string, destination: string, data: string): Promise<void> {
  // Symlinks resolve inside the rootfs, as the container would see them (moby's FollowSymlinkInScope).
  const src = (await resolveInRoot(rootfs, destination, true)).host;
  const st = await stat(src).catch(() => null);
  if (!st) return; // not in the image: the volume starts empty
  if (!st.isDirectory()) return;
  await chown(data, st.uid, st.gid);
  await chmod(data, st.mode & 0o7777);
  try {
    await pexec("cp", ["-a", "--", `${src}/.`, `${data}/`]);
  } catch (e) {
    throw new EngineError("Internal", `copy the image's content at ${destination} into the volume: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`, { cause: e });
  }
}

/** After the container is gone: its anonymous volumes are deleted (docker rm -v, --rm). */
export async function removeAnonymousVolumes(store: VolumeStore, volumes: readonly ContainerVolumeMount[]): Promise<string[]> {
  const failed: string[] = [];
  for (const v of volumes) {
    if (!v.anonymous) continue;
    // Another container may share it (--volumes-from): Docker keeps it then, and so does berth.
    if (store.usedBy(v.name).length > 0) continue;
    try {
      await store.remove(v.name, { force: true });
    } catch (e) {
      failed.push(`${v.name}: ${(e as Error).message}`);
    }
  }
  return failed;
}
