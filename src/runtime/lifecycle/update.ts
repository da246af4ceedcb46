import type { Resources } from "../../oci/runtime.js";
import { conflict, wrapError } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { loadContainer } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";

/** `update`: new resource limits for a live container's cgroup (docker update, runc update). */
export async function updateContainer(ctx: RuntimeContext, idArg: string, resources: Resources): Promise<void> {
  const id = validateId(idArg);
  const v = await loadContainer(ctx, id);
  if (v.status === "stopped" || v.status === "creating") throw conflict(`update ${id}: cannot update a container that is ${v.status}`);
  if (!ctx.cgroups || !v.record.cgroupsPath) throw conflict(`update ${id}: the container has no cgroup`);
  await ctx.cgroups.update(v.record.cgroupsPath, resources).catch((e: unknown) => {
    throw wrapError(e, `update ${id}`);
  });
}
