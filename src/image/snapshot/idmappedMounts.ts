import { EngineError, internal, invalidArgument, notImplemented } from "../../errors/EngineError.js";
import { hostShimPath } from "../../sys/linuxSys.js";
import { LauncherUnavailable, sharedShimLauncher } from "../../sys/shimLauncher.js";
import type { MountRequest } from "../../sys/Sys.js";
import { mountRequest, unmountAll, type MountSys } from "./mountAll.js";
import type { SnapshotMount } from "./Snapshotter.js";

/** What mountAllIdmapped needs of the OS: the launcher's idmapped mount, and unmounts for the rollback. */
export interface IdmapSys extends MountSys {
  idmappedMount(req: MountRequest, uidMap: string, gidMap: string): Promise<void>;
}

/** The process's launcher (the one mountAll uses), which does the idmapping in C (native/shim/idmap.c). */
function hostIdmapSys(): IdmapSys {
  const l = () => sharedShimLauncher(hostShimPath());
  return {
    idmappedMount: (req, u, g) => l().idmappedMount(req, u, g),
    mount: (req) => l().mount(req),
    unmount: (target, flags) => l().umount(target, flags),
  };
}

/**
 * mountAll for a user-namespaced container: the image's directories (an overlay's lowerdirs, or
 * a bind's source) are idmapped with the maps ("container:host:size[,...]"), so files owned by
 * host id N appear owned by the id N maps to; the writable upper dir is not idmapped (it holds
 * host ids: see docs/userns.md). The layer mounts exist only while the overlay is made, so the
 * result is one mount at `target`, which unmountAll takes down as any other. There is no
 * fallback without the launcher (mount(8) cannot idmap): that is NotImplemented. On failure,
 * whatever was mounted at target is unmounted again and both errors are reported.
 */
export async function mountAllIdmapped(mounts: readonly SnapshotMount[], target: string, uidMap: string, gidMap: string, sys: IdmapSys = hostIdmapSys()): Promise<void> {
  if (mounts.length === 0) throw invalidArgument("mount rootfs: no mounts given");
  let mounted = 0;
  try {
    for (const m of mounts) {
      const req = mountRequest(m, target);
      if (m.type !== "overlay" && m.type !== "bind") throw invalidArgument(`mount rootfs: a ${m.type} mount cannot be idmapped`);
      try {
        await sys.idmappedMount(req, uidMap, gidMap);
      } catch (e) {
        if (e instanceof LauncherUnavailable) throw notImplemented(`mount rootfs: idmapped mounts need the berth-shim launcher (${e.message})`);
        throw internal(`mount rootfs: idmapped ${m.type} on ${target} failed: ${(e as Error).message}`, { cause: e });
      }
      mounted++;
    }
  } catch (e) {
    const cleanupErrors: unknown[] = [];
    if (mounted > 0) await unmountAll(target, sys).catch((ce: unknown) => cleanupErrors.push(ce));
    if (e instanceof EngineError) throw new EngineError(e.kind, e.message, { cause: e.cause, cleanupErrors: [...e.cleanupErrors, ...cleanupErrors] });
    throw e;
  }
}
