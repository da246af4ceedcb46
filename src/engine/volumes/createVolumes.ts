import { join } from "node:path";
import { unmountAll } from "../../image/snapshot/mountAll.js";
import type { Rollback } from "../../util/rollback.js";
import type { ContainerContext } from "../containers/ContainerContext.js";
import type { ContainerRecord, ContainerVolumeMount } from "../containers/ContainerRecord.js";
import { containerUserns, mountContainerRootfs } from "../containers/usernsContainer.js";
import { attachContainerVolumes, planContainerVolumes, type VolumePlan } from "./containerVolumes.js";
import type { VolumeStore } from "./VolumeStore.js";
import type { SourceMounts } from "./volumesFrom.js";

/**
 * The create path's volume step: plans the container's volumes, creates the missing ones and
 * copies the image's content into empty ones — with the container's rootfs snapshot mounted for
 * that moment only (moby copies at create too). Undefined when the engine has no volume store,
 * so userMounts refuses volume mounts as not implemented instead of dropping them. The volumes
 * stay claimed by rec.id until the caller's store.release(rec.id) once the record is saved (berthd
 * does it on the container's create event). `copied`: the mounts --volumes-from brings
 * (volumesFrom.ts); their volumes are claimed too and come last in the result.
 */
export async function containerVolumes(ctx: ContainerContext, rec: ContainerRecord, rb: Rollback, copied: SourceMounts = { binds: [], volumes: [] }): Promise<ContainerVolumeMount[] | undefined> {
  if (!ctx.volumes) return undefined;
  const covered = [...copied.binds, ...copied.volumes].map((m) => m.destination);
  const plans = planContainerVolumes(rec.hostConfig, rec.config, covered);
  const own = await attachPlanned(ctx, ctx.volumes, rec, plans, rb);
  return [...own, ...claimCopied(ctx.volumes, rec.id, copied.volumes, rb)];
}

async function attachPlanned(ctx: ContainerContext, store: VolumeStore, rec: ContainerRecord, plans: VolumePlan[], rb: Rollback): Promise<ContainerVolumeMount[]> {
  if (plans.length === 0) return [];
  if (!plans.some((p) => p.copy)) return attachContainerVolumes(store, rec.id, plans, null, rb);
  const rootfs = join(rec.dir, "rootfs");
  // A remapped container's copy reads the idmapped rootfs, so the volume gets the shifted owners.
  await mountContainerRootfs(await ctx.engine.images.containerMounts(rec.id), rootfs, containerUserns(ctx.userns, rec.hostConfig, rec.config.Labels));
  try {
    return await attachContainerVolumes(store, rec.id, plans, rootfs, rb);
  } finally {
    await unmountAll(rootfs);
  }
}

/**
 * The volumes copied by --volumes-from: they exist (their source uses them), so they are only
 * claimed for the new container (no copy-up: moby's CopyData false), and released on rollback.
 */
function claimCopied(store: VolumeStore, containerId: string, volumes: readonly ContainerVolumeMount[], rb: Rollback): ContainerVolumeMount[] {
  if (volumes.length === 0) return [];
  rb.add(`release the volumes claimed by ${containerId}`, async () => store.release(containerId));
  for (const v of volumes) {
    store.get(v.name); // NotFound "get x: no such volume" if it vanished
    store.claim(v.name, containerId);
  }
  return [...volumes];
}
