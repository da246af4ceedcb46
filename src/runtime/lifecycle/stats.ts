import type { CgroupStats } from "../cgroup/CgroupManager.js";
import { conflict } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { loadContainer } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";

/** Resource usage of a container from its cgroup (docker stats); a stopped container's cgroup still answers until delete. */
export async function containerStats(ctx: RuntimeContext, idArg: string): Promise<CgroupStats> {
  const id = validateId(idArg);
  const v = await loadContainer(ctx, id);
  if (!ctx.cgroups || !v.record.cgroupsPath) throw conflict(`stats ${id}: the container has no cgroup`);
  return ctx.cgroups.stats(v.record.cgroupsPath);
}
