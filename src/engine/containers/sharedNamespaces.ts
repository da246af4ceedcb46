/**
 * --pid container:<name|id> and --ipc container:<name|id>: the container joins the target's pid
 * or ipc namespace by path (/proc/<target init pid>/ns/<type>), resolved at start as moby does,
 * because the target must be running then (its init's pid is only known while it runs). An IPC
 * join also binds the donor's /dev/shm (ipcShm.ts), and --ipc host the host's.
 */
import { existsSync } from "node:fs";
import { conflict, internal, invalidArgument, isEngineError } from "../../errors/EngineError.js";
import type { ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { declaresMountAt, hasShareableShm, shmMounted, shmPath } from "./ipcShm.js";

/** Namespace paths to join, by OCI namespace type, and the /dev/shm to bind. */
export interface JoinedNamespaces {
  pid?: string;
  ipc?: string;
  /** The host path bind-mounted at /dev/shm (a donor's shm tmpfs, or the host's /dev/shm). */
  shm?: string;
}

const isRunning = (rec: ContainerRecord) => rec.state.status === "running" || rec.state.status === "paused";

/** The target of a "container:<x>" mode, or undefined for any other mode. */
export function containerModeTarget(mode: string | undefined, what: "PID" | "IPC"): string | undefined {
  if (!mode?.startsWith("container:")) return undefined;
  const target = mode.slice("container:".length);
  if (target === "") throw invalidArgument(`invalid ${what} mode: ${mode}`);
  return target;
}

/**
 * At create: a --pid container:<x> target must exist (moby answers a 400 "No such container: x"
 * then); whether it runs is checked at start, when its namespace is joined.
 */
export function checkPidTarget(ctx: ContainerContext, hc: { PidMode?: string }): void {
  const target = containerModeTarget(hc.PidMode, "PID");
  if (target === undefined) return;
  try {
    ctx.store.get(target);
  } catch (e) {
    if (isEngineError(e, "NotFound")) throw invalidArgument(e.message, { cause: e });
    throw e;
  }
}

/**
 * At create: container:<name> in PidMode, IpcMode and NetworkMode is stored as
 * container:<full id>, as Debian's dockerd 20.10 stores and shows it (checked side by side), so
 * a renamed target stays the one joined. A target not found keeps its text: PidMode failed in
 * checkPidTarget already; IPC and network targets are looked up at start, as moby does.
 */
export function pinContainerTargets(ctx: ContainerContext, hc: { PidMode?: string; IpcMode?: string; NetworkMode?: string }): void {
  const pin = (mode: string | undefined): string | undefined => {
    if (!mode?.startsWith("container:") || mode === "container:") return mode;
    try {
      return `container:${ctx.store.get(mode.slice("container:".length)).id}`;
    } catch (e) {
      if (isEngineError(e, "NotFound")) return mode;
      throw e;
    }
  };
  if (hc.PidMode !== undefined) hc.PidMode = pin(hc.PidMode);
  if (hc.IpcMode !== undefined) hc.IpcMode = pin(hc.IpcMode);
  if (hc.NetworkMode !== undefined) hc.NetworkMode = pin(hc.NetworkMode);
}

/**
 * At start: the running targets' namespace paths (Docker's texts for a missing, stopped or
 * non-shareable one). Every failure here is a 500, as moby's: an error while making the spec at
 * start is "not an error with the request to start the container" (daemon/start.go wraps them all
 * in errdefs.System; integration/container/pidmode_linux_test.go expects it).
 */
export function joinedNamespaces(ctx: ContainerContext, rec: ContainerRecord, mounted: (path: string) => boolean = shmMounted): JoinedNamespaces {
  try {
    return resolveJoins(ctx, rec, mounted);
  } catch (e) {
    if (isEngineError(e) && e.kind !== "Internal") throw internal(e.message, { cause: e });
    throw e;
  }
}

function resolveJoins(ctx: ContainerContext, rec: ContainerRecord, mounted: (path: string) => boolean): JoinedNamespaces {
  const out: JoinedNamespaces = {};
  const pidTarget = containerModeTarget(rec.hostConfig.PidMode, "PID");
  if (pidTarget !== undefined) {
    // moby (getPIDContainer, wrapped "failed to join PID namespace"): a stopped target is named by its ID.
    let target: ContainerRecord;
    try {
      target = ctx.store.get(pidTarget);
    } catch (e) {
      if (isEngineError(e, "NotFound")) throw invalidArgument(`failed to join PID namespace: ${e.message}`, { cause: e });
      throw e;
    }
    if (target.id === rec.id) throw invalidArgument("cannot join own PID namespace");
    if (!isRunning(target) || !target.state.pid) throw conflict(`failed to join PID namespace: container ${target.id} is not running`);
    out.pid = `/proc/${target.state.pid}/ns/pid`;
  }
  const ownShm = declaresMountAt(rec, "/dev/shm");
  const ipcTarget = containerModeTarget(rec.hostConfig.IpcMode, "IPC");
  if (ipcTarget !== undefined) {
    const donor = ipcDonor(ctx, ipcTarget, rec.id);
    const shm = donorShm(ctx, donor, ipcTarget, new Set([rec.id]), mounted);
    out.ipc = `/proc/${donor.state.pid}/ns/ipc`;
    if (!ownShm) out.shm = shm;
  } else if (rec.hostConfig.IpcMode === "host" && !ownShm) {
    if (!existsSync("/dev/shm")) throw internal("/dev/shm is not mounted, but must be for --ipc=host");
    out.shm = "/dev/shm";
  }
  return out;
}

const joinError = (msg: string) => `failed to join IPC namespace: ${msg}`;

/** moby's getIPCContainer: it must exist and run (validateContainerIsRunning names it by ID). */
function ipcDonor(ctx: ContainerContext, name: string, selfId?: string): ContainerRecord {
  let donor: ContainerRecord;
  try {
    donor = ctx.store.get(name);
  } catch (e) {
    if (isEngineError(e, "NotFound")) throw invalidArgument(joinError(e.message), { cause: e });
    throw e;
  }
  if (donor.id === selfId) throw invalidArgument("cannot join own IPC namespace");
  if (!isRunning(donor) || !donor.state.pid) throw conflict(joinError(`container ${donor.id} is not running`));
  return donor;
}

/**
 * The /dev/shm a donor shares: its own shm tmpfs (shareable), the host's (host), or, for a donor
 * that joined another, that one's (running too: its tmpfs is mounted only while it runs).
 * Private, none, a donor with a /dev/shm of its own, and a shareable one whose shm tmpfs is not
 * mounted are moby's "non-shareable IPC" (a 400; moby stats the donor's ShmPath likewise).
 */
function donorShm(ctx: ContainerContext, donor: ContainerRecord, name: string, seen: Set<string>, mounted: (path: string) => boolean): string {
  const nonShareable = () => invalidArgument(joinError(`container ${name}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`));
  const mode = donor.hostConfig.IpcMode ?? "";
  if (declaresMountAt(donor, "/dev/shm")) throw nonShareable();
  if (hasShareableShm(donor)) {
    if (!mounted(shmPath(donor))) throw nonShareable();
    return shmPath(donor);
  }
  if (mode === "host") return "/dev/shm";
  const next = containerModeTarget(mode, "IPC");
  if (next === undefined || seen.has(donor.id)) throw nonShareable();
  seen.add(donor.id);
  return donorShm(ctx, ipcDonor(ctx, next), next, seen, mounted);
}
