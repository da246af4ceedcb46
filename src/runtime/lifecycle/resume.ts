import { conflict } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { canResume } from "../state.js";
import { loadContainer } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";

/** `resume`: thaw the container's cgroup. */
export async function resumeContainer(ctx: RuntimeContext, idArg: string): Promise<void> {
  const id = validateId(idArg);
  const v = await loadContainer(ctx, id);
  if (!canResume(v.status)) throw conflict(`resume ${id}: cannot resume a container that is ${v.status}`);
  await ctx.cgroups!.thaw(v.record.cgroupsPath);
}
