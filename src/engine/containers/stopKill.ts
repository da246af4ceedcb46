import { conflict, isEngineError } from "../../errors/EngineError.js";
import { killContainer as runtimeKill } from "../../runtime/lifecycle/kill.js";
import { parseSignal } from "../../runtime/signals.js";
import { emit, type ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { isLive } from "./isLive.js";
import { sleep, withTimeout } from "./timing.js";

/** How long stop, kill and remove -f wait for the exit after SIGKILL before failing. */
export const KILL_WAIT_MS = 30_000;

/** What the signalling verbs need of the ContainerEngine (its lock, waiters, live processes, restarts). */
export interface StopKillDeps {
  ctx: ContainerContext;
  locked<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /** A waiter for the container's next exit (registered before signalling, so no exit is missed). */
  nextExit(id: string): { promise: Promise<number>; cancel: () => void };
  /** The cgroup of the live process, if any (kill SIGKILL reaches the whole cgroup then; pause thaws it). */
  cgroupsPath(id: string): string | undefined;
  cancelRestart(id: string): void;
}

/**
 * docker stop: a restarting container is just marked stopped; a live one gets StopSignal (or
 * the given signal, else SIGTERM), `timeout` seconds (StopTimeout, else 10; negative = forever)
 * and then SIGKILL. `manuallyStopped` keeps restart policies from bringing it back.
 */
export async function stopContainer(d: StopKillDeps, input: string, opts: { signal?: string; timeout?: number }): Promise<"done" | "notModified"> {
  const { store } = d.ctx;
  const id = store.get(input).id;
  const prep = await d.locked(id, async () => {
    const rec = store.get(id);
    if (rec.state.status === "restarting") {
      d.cancelRestart(id);
      rec.state.status = "exited";
      rec.state.manuallyStopped = true;
      store.save(rec);
      return "now" as const;
    }
    if (!isLive(rec)) return null;
    rec.state.manuallyStopped = true;
    store.save(rec);
    return { rec, exited: d.nextExit(id) };
  });
  if (prep === null) return "notModified";
  const rec = store.get(id);
  if (prep !== "now") {
    const signal = opts.signal || rec.config.StopSignal || "SIGTERM";
    const timeout = opts.timeout ?? rec.config.StopTimeout ?? 10;
    await terminate(d, rec, prep.exited, signal, timeout);
  }
  emit(d.ctx, rec, "stop");
  return "done";
}

/**
 * docker kill: the signal (default SIGKILL); a signal meant to stop the container (SIGKILL or
 * its StopSignal) marks it manually stopped, and SIGKILL answers once it is gone, as Docker does.
 */
export async function killContainer(d: StopKillDeps, input: string, signalArg: string | undefined): Promise<void> {
  const { store } = d.ctx;
  const signal = parseSignal(signalArg || "SIGKILL");
  const id = store.get(input).id;
  const exited = await d.locked(id, async () => {
    const rec = store.get(id);
    if (rec.state.status === "restarting" && (signal === 9 || signal === parseSignal(rec.config.StopSignal || "SIGTERM"))) {
      d.cancelRestart(id);
      rec.state.status = "exited";
      rec.state.manuallyStopped = true;
      store.save(rec);
      return null;
    }
    if (!isLive(rec)) throw conflict(`cannot kill container: ${input}: container ${id} is not running`);
    // A kill meant to stop it keeps restart policies from bringing it back (moby).
    if (signal === 9 || signal === parseSignal(rec.config.StopSignal || "SIGTERM")) {
      rec.state.manuallyStopped = true;
      store.save(rec);
    }
    await signalContainer(d, rec, signal);
    return signal === 9 ? d.nextExit(id) : null;
  });
  // SIGKILL: answer once the container is really gone, as Docker does.
  if (exited) await waitAfterKill(id, exited);
}

/**
 * Sends `signal` to the container's process (SIGKILL: to its whole cgroup), emits `kill`, and
 * thaws a paused container so it can act on it. Call under the container's lock. A container
 * that ended meanwhile is fine: the exit monitor records that.
 */
export async function signalContainer(d: StopKillDeps, rec: ContainerRecord, signal: number): Promise<void> {
  const { ctx } = d;
  const cgroupsPath = d.cgroupsPath(rec.id);
  try {
    if (signal === 9) await runtimeKill(ctx.engine.runtime, rec.id, { signal, all: Boolean(cgroupsPath) });
    else await runtimeKill(ctx.engine.runtime, rec.id, { signal });
  } catch (e) {
    // Raced with its exit: the monitor records it.
    if (!isEngineError(e, "Conflict") && !isEngineError(e, "NotFound")) throw e;
  }
  emit(ctx, rec, "kill", { signal: String(signal) });
  // A frozen process cannot act on a signal (not even die of SIGKILL): thaw it.
  if (rec.state.status === "paused" && cgroupsPath && ctx.engine.runtime.cgroups) {
    await ctx.engine.runtime.cgroups.thaw(cgroupsPath);
    rec.state.status = "running";
    ctx.store.save(rec);
    emit(ctx, rec, "unpause");
  }
}

/** The exit after a SIGKILL, or an Internal error after KILL_WAIT_MS (the waiter dropped). */
export function waitAfterKill(id: string, exited: { promise: Promise<number>; cancel: () => void }): Promise<number> {
  return withTimeout(exited.promise, KILL_WAIT_MS, () => exited.cancel(), `container ${id}: waiting for its exit after SIGKILL`);
}

/** stop's escalation: the stop signal, `timeout` seconds (negative = forever), then SIGKILL. */
async function terminate(d: StopKillDeps, rec: ContainerRecord, exited: { promise: Promise<number>; cancel: () => void }, signalName: string, timeout: number): Promise<void> {
  const sig = parseSignal(signalName);
  await d.locked(rec.id, () => signalContainer(d, d.ctx.store.get(rec.id), sig));
  if (sig !== 9) {
    const ended = await Promise.race([exited.promise.then(() => true), timeout < 0 ? new Promise<boolean>(() => {}) : sleep(timeout * 1000).then(() => false)]);
    if (ended) return;
    await d.locked(rec.id, async () => {
      const cur = d.ctx.store.find(rec.id);
      if (cur && isLive(cur)) await signalContainer(d, cur, 9);
    });
  }
  await waitAfterKill(rec.id, exited);
}
