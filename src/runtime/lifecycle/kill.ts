import { conflict } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { parseSignal } from "../signals.js";
import { canKill } from "../state.js";
import { loadContainer } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";

export interface KillOptions {
  /** Signal name or number (default SIGTERM). */
  signal?: string | number;
  /** Every process in the container's cgroup, not only its init. */
  all?: boolean;
}

/** `kill`: signal the init (or with `all`, every process of the cgroup). */
export async function killContainer(ctx: RuntimeContext, idArg: string, opts: KillOptions = {}): Promise<void> {
  const id = validateId(idArg);
  const signal = parseSignal(opts.signal ?? "SIGTERM");
  const v = await loadContainer(ctx, id);
  // --all also reaches what a stopped init left behind (detached execs), as runc allows.
  if (!canKill(v.status) && !(opts.all && v.status === "stopped")) throw conflict(`kill ${id}: cannot kill a container that is ${v.status}`);
  if (opts.all) {
    if (!ctx.cgroups || !v.record.cgroupsPath) throw conflict(`kill ${id}: --all needs the container's cgroup, and it has none`);
    await ctx.cgroups.killAll(v.record.cgroupsPath, signal);
    return;
  }
  try {
    ctx.sys.kill(v.record.pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") throw conflict(`kill ${id}: container is stopped`);
    throw e;
  }
}
