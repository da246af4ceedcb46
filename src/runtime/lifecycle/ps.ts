import { conflict } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { loadContainer } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";

/** `ps`: host pids of every process in the container's cgroup, ascending. */
export async function listProcesses(ctx: RuntimeContext, idArg: string): Promise<number[]> {
  const id = validateId(idArg);
  const v = await loadContainer(ctx, id);
  if (!ctx.cgroups || !v.record.cgroupsPath) throw conflict(`ps ${id}: the container has no cgroup`);
  if (v.status === "stopped") return [];
  return (await ctx.cgroups.pids(v.record.cgroupsPath)).sort((a, b) => a - b);
}
