/**
 * --pid container:<name|id> and --ipc container:<name|id>: the container joins the target's pid
 * or ipc namespace by path (/proc/<target init pid>/ns/<type>), resolved at start as moby does,
 * because the target must be running then (its init's pid is only known while it runs).
 */
import { conflict, invalidArgument } from "../../errors/EngineError.js";
import type { ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";

/** Namespace paths to join, by OCI namespace type. */
export interface JoinedNamespaces {
  pid?: string;
  ipc?: string;
}

const isRunning = (rec: ContainerRecord) => rec.state.status === "running" || rec.state.status === "paused";

/** The target of a "container:<x>" mode, or undefined for any other mode. */
export function containerModeTarget(mode: string | undefined, what: "PID" | "IPC"): string | undefined {
  if (!mode?.startsWith("container:")) return undefined;
  const target = mode.slice("container:".length);
  if (target === "") throw invalidArgument(`invalid ${what} mode: ${mode}`);
  return target;
}

/** At start: the running targets' namespace paths (Docker's errors for a missing or stopped one). */
export function joinedNamespaces(ctx: ContainerContext, rec: ContainerRecord): JoinedNamespaces {
  const out: JoinedNamespaces = {};
  for (const [what, field, type] of [["PID", "PidMode", "pid"], ["IPC", "IpcMode", "ipc"]] as const) {
    const name = containerModeTarget(rec.hostConfig[field], what);
    if (name === undefined) continue;
    const target = ctx.store.get(name); // NotFound: "No such container: <name>"
    if (target.id === rec.id) throw invalidArgument(`cannot join own ${what} namespace`);
    if (!isRunning(target) || !target.state.pid) throw conflict(`cannot join ${what} of a non running container: ${target.id}`);
    if (what === "IPC") {
      const tm = target.hostConfig.IpcMode ?? "";
      // moby: only a shareable (or, via its own join, shared) donor may be joined; berth's "" is private.
      if (tm === "private" || tm === "none") throw conflict(`cannot join IPC of container ${target.id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
    }
    out[type] = `/proc/${target.state.pid}/ns/${type}`;
  }
  return out;
}
