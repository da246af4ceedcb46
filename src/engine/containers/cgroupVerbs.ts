import type { ContainerUpdateRequest, ContainerUpdateResponse } from "../../api/types/container.js";
import { conflict } from "../../errors/EngineError.js";
import { emit, type ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { isLive } from "./isLive.js";
import { planUpdate } from "./planUpdate.js";

// The verbs that act on a running container's cgroup: pause/unpause (freezer) and update
// (resource limits). Each runs under the container's lock, given its record and the cgroup of
// its live process (undefined when none is known).

/** docker pause: freezes the cgroup. */
export async function pauseLocked(ctx: ContainerContext, rec: ContainerRecord, cgroupsPath: string | undefined): Promise<void> {
  if (rec.state.status === "paused") throw conflict(`container ${rec.id} is already paused`);
  if (rec.state.status !== "running") throw conflict(`container ${rec.id} is not running`);
  if (!cgroupsPath || !ctx.engine.runtime.cgroups) throw conflict(`container ${rec.id} has no cgroup to freeze`);
  await ctx.engine.runtime.cgroups.freeze(cgroupsPath);
  rec.state.status = "paused";
  ctx.store.save(rec);
  emit(ctx, rec, "pause");
}

/** docker unpause: thaws the cgroup. */
export async function unpauseLocked(ctx: ContainerContext, rec: ContainerRecord, cgroupsPath: string | undefined): Promise<void> {
  if (rec.state.status !== "paused") throw conflict(`container ${rec.id} is not paused`);
  if (cgroupsPath && ctx.engine.runtime.cgroups) await ctx.engine.runtime.cgroups.thaw(cgroupsPath);
  rec.state.status = "running";
  ctx.store.save(rec);
  emit(ctx, rec, "unpause");
}

/** POST /containers/{id}/update: the record, and the live cgroup when it runs. */
export async function updateLocked(ctx: ContainerContext, rec: ContainerRecord, cgroupsPath: string | undefined, req: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
  const plan = planUpdate(rec, req);
  if (cgroupsPath && ctx.engine.runtime.cgroups && isLive(rec) && Object.keys(plan.delta).length > 0) {
    await ctx.engine.runtime.cgroups.update(cgroupsPath, plan.delta);
  }
  rec.hostConfig = plan.hostConfig;
  ctx.store.save(rec);
  emit(ctx, rec, "update");
  return { Warnings: plan.warnings };
}
