import { join } from "node:path";
import { unmountAll } from "../../image/snapshot/mountAll.js";
import type { Rollback } from "../../util/rollback.js";
import type { ContainerContext } from "../containers/ContainerContext.js";
import type { ContainerRecord, ContainerVolumeMount } from "../containers/ContainerRecord.js";
import { containerUserns, mountContainerRootfs } from "../containers/usernsContainer.js";
import { attachContainerVolumes, planContainerVolumes } from "./containerVolumes.js";

/**
 * The create path's volume step: plans the container's volumes, creates the missing ones and
 * copies the image's content into empty ones — with the container's rootfs snapshot mounted for
 * that moment only (moby copies at create too). Undefined when the engine has no volume store,
 * so userMounts refuses volume mounts as not implemented instead of dropping them. The volumes
 * stay claimed by rec.id until the caller's store.release(rec.id) once the record is saved (berthd
 * does it on the container's create event).
 */
export async function containerVolumes(ctx: ContainerContext, rec: ContainerRecord, rb: Rollback): Promise<ContainerVolumeMount[] | undefined> {
  if (!ctx.volumes) return undefined;
  const plans = planContainerVolumes(rec.hostConfig, rec.config);
  if (plans.length === 0) return [];
  if (!plans.some((p) => p.copy)) return attachContainerVolumes(ctx.volumes, rec.id, plans, null, rb);
  const rootfs = join(rec.dir, "rootfs");
  // A remapped container's copy reads the idmapped rootfs, so the volume gets the shifted owners.
  await mountContainerRootfs(await ctx.engine.images.containerMounts(rec.id), rootfs, containerUserns(ctx.userns, rec.hostConfig, rec.config.Labels));
  try {
    return await attachContainerVolumes(ctx.volumes, rec.id, plans, rootfs, rb);
  } finally {
    await unmountAll(rootfs);
  }
}
