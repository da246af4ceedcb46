import { conflict } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { canPause } from "../state.js";
import { loadContainer } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";

/** `pause`: freeze every process of the container's cgroup. */
export async function pauseContainer(ctx: RuntimeContext, idArg: string): Promise<void> {
  const id = validateId(idArg);
  const v = await loadContainer(ctx, id);
  if (!canPause(v.status)) throw conflict(`pause ${id}: cannot pause a container that is ${v.status}`);
  if (!ctx.cgroups || !v.record.cgroupsPath) throw conflict(`pause ${id}: the container has no cgroup to freeze`);
  await ctx.cgroups.freeze(v.record.cgroupsPath);
}
