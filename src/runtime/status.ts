import type { State, Status } from "../oci/runtime.js";
import { isAlive } from "../sys/procStat.js";
import type { Sys } from "../sys/Sys.js";
import { containerDir, readRecord, type ContainerRecord } from "./containerStore.js";
import { readExitRecord } from "./exitRecord.js";
import type { RuntimeContext } from "./RuntimeContext.js";

/** Is `pid` still the process recorded (alive, not a zombie, same start time)? */
export async function isSameProcessAlive(sys: Sys, pid: number, startTime: string): Promise<boolean> {
  if (pid <= 0) return false;
  const st = await sys.procStat(pid);
  return isAlive(st) && st!.startTime === startTime;
}

/**
 * Status from the facts, never from a stored status: an exit record or a dead/reused init pid
 * means stopped; a frozen cgroup means paused; otherwise created until `start` succeeded.
 */
export async function deriveStatus(ctx: RuntimeContext, rec: ContainerRecord): Promise<Status> {
  if (rec.pid === 0) return "creating";
  if ((await readExitRecord(containerDir(ctx.root, rec.id))) !== null) return "stopped";
  if (!(await isSameProcessAlive(ctx.sys, rec.pid, rec.pidStartTime))) return "stopped";
  if (ctx.cgroups && rec.cgroupsPath) {
    const fz = await ctx.cgroups.freezerState(rec.cgroupsPath).catch(() => "thawed" as const);
    if (fz !== "thawed") return "paused";
  }
  if (rec.started) return "running";
  // Not recorded as started: until execve the init is a fork of the shim, so it still runs the
  // shim's program. Another program means `start` went through even if its record was lost.
  return (await execdPastShim(ctx, rec)) ? "running" : "created";
}

/** Compared with the running shim's own program (the same file even if reinstalled since), else the shim path. */
async function execdPastShim(ctx: RuntimeContext, rec: ContainerRecord): Promise<boolean> {
  const [exe, shimProc] = await Promise.all([ctx.sys.procExeId(rec.pid), rec.shimPid > 0 ? ctx.sys.procExeId(rec.shimPid) : null]);
  const shim = shimProc ?? (await ctx.sys.fileId(ctx.shimPath));
  if (!exe || !shim) return false;
  return exe.dev !== shim.dev || exe.ino !== shim.ino;
}

export interface ContainerView {
  record: ContainerRecord;
  status: Status;
}

export async function loadContainer(ctx: RuntimeContext, id: string): Promise<ContainerView> {
  const record = await readRecord(ctx.root, id);
  return { record, status: await deriveStatus(ctx, record) };
}

/** runtime-spec state JSON (what `state` prints); pid only while the process exists. */
export function ociState(v: ContainerView): State {
  const s: State = { ociVersion: v.record.ociVersion, id: v.record.id, status: v.status, bundle: v.record.bundle };
  if (v.status !== "stopped" && v.record.pid > 0) s.pid = v.record.pid;
  if (v.record.annotations) s.annotations = v.record.annotations;
  return s;
}
