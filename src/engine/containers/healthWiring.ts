import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Health } from "../../api/types/container.js";
import { HealthChecker } from "../health/HealthChecker.js";
import { probeSettings } from "../health/healthConfig.js";
import { emit, type ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";

/** berth's opt-in (Docker lacks it): a container with this label is restarted when it turns unhealthy. */
export const RESTART_ON_UNHEALTHY_LABEL = "berth.restart-on-unhealthy";

export function wantsRestartOnUnhealthy(rec: ContainerRecord): boolean {
  return rec.config.Labels?.[RESTART_ON_UNHEALTHY_LABEL] === "true";
}

/**
 * The engine's health checker: probe results saved under the container's lock (only while it
 * runs), events in Docker's shapes, `onUnhealthy` handed to the engine.
 */
export function makeHealthChecker(ctx: ContainerContext, deps: {
  locked: <T>(id: string, fn: () => Promise<T>) => Promise<T>;
  isLive: (rec: ContainerRecord) => boolean;
  onUnhealthy: (id: string) => void;
}): HealthChecker {
  return new HealthChecker({
    runtime: ctx.engine.runtime,
    stateRoot: join(ctx.engine.runtime.root, ".health"),
    update: (id, fn) => deps.locked(id, async () => {
      const rec = ctx.store.find(id);
      if (!rec || !deps.isLive(rec)) return false;
      const h: Health = rec.state.health ?? { Status: "starting", FailingStreak: 0, Log: [] };
      fn(h);
      rec.state.health = h;
      ctx.store.save(rec);
      return true;
    }),
    emit: (id, action, attributes) => {
      const rec = ctx.store.find(id);
      if (rec) emit(ctx, rec, action, attributes);
    },
    onUnhealthy: deps.onUnhealthy,
    isPaused: (id) => ctx.store.find(id)?.state.status === "paused",
    log: (m) => ctx.log("warn", m),
  });
}

/** Starts the checks of a container that just started (or was adopted), if it has any. */
export function startHealthChecks(checker: HealthChecker, rec: ContainerRecord, startedMs: number, log: (m: string) => void): void {
  const s = probeSettings(rec.config.Healthcheck, rec.config.Shell);
  if (!s) {
    checker.stop(rec.id);
    return;
  }
  checker.start(rec.id, s, startedMs).catch((e) => log(`container ${rec.id}: starting health checks failed: ${(e as Error).message}`));
}

/**
 * Probe state left by an earlier daemon (its probes were its children, attached to it): the
 * directory is dropped at startup, before any probe of this daemon runs.
 */
export async function clearStaleProbeState(ctx: ContainerContext): Promise<void> {
  await rm(join(ctx.engine.runtime.root, ".health"), { recursive: true, force: true }).catch((e) => ctx.log("warn", `health: removing stale probe state failed: ${(e as Error).message}`));
}
