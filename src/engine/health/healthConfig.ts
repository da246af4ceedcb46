import type { HealthConfig } from "../../api/types/container.js";
import { invalidArgument } from "../../errors/EngineError.js";

/** Docker's defaults (moby daemon/health.go), in milliseconds. */
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_START_INTERVAL_MS = 5_000;
export const DEFAULT_RETRIES = 3;

/** A container's health check as the checker runs it (durations in ms). */
export interface ProbeSettings {
  /** The argv run in the container (CMD-SHELL becomes `/bin/sh -c <text>`). */
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

/**
 * The container's Healthcheck with the image's filling what the user left out (moby
 * daemon/commit.go merge): no user Healthcheck takes the image's; an empty Test takes the
 * image's Test; zero durations and retries take the image's.
 */
export function mergeHealthcheck(user: HealthConfig | undefined | null, image: HealthConfig | undefined | null): HealthConfig | undefined {
  if (!user) return image ? { ...image, Test: image.Test ? [...image.Test] : undefined } : undefined;
  if (!image) return user;
  const out: HealthConfig = { ...user };
  if (!out.Test || out.Test.length === 0) out.Test = image.Test ? [...image.Test] : undefined;
  if (!out.Interval) out.Interval = image.Interval;
  if (!out.Timeout) out.Timeout = image.Timeout;
  if (!out.StartPeriod) out.StartPeriod = image.StartPeriod;
  if (!out.StartInterval) out.StartInterval = image.StartInterval;
  if (!out.Retries) out.Retries = image.Retries;
  for (const k of Object.keys(out) as (keyof HealthConfig)[]) if (out[k] === undefined) delete out[k];
  return out;
}

const MIN_NS = 1_000_000; // 1 ms: moby refuses shorter non-zero durations

/** moby's create-time checks (daemon/container.go verifyContainerSettings), in its words. */
export function validateHealthcheck(hc: HealthConfig | undefined | null): void {
  if (!hc) return;
  const check = (v: number | undefined, name: string) => {
    if (v === undefined || v === 0) return;
    if (!Number.isFinite(v) || v < MIN_NS) throw invalidArgument(`${name} in Healthcheck cannot be less than 1ms`);
  };
  check(hc.Interval, "Interval");
  check(hc.Timeout, "Timeout");
  check(hc.StartPeriod, "StartPeriod");
  check(hc.StartInterval, "StartInterval");
  if (hc.Retries !== undefined && hc.Retries < 0) throw invalidArgument("Retries in Healthcheck cannot be negative");
  const t = hc.Test ?? [];
  if (t.length > 0 && !["NONE", "CMD", "CMD-SHELL"].includes(t[0])) throw invalidArgument(`Healthcheck: unknown test type ${JSON.stringify(t[0])} (want NONE, CMD or CMD-SHELL)`);
  if ((t[0] === "CMD" || t[0] === "CMD-SHELL") && t.length < 2) throw invalidArgument(`Healthcheck: ${t[0]} needs a command`);
}

/** What the checker runs, or null when there is no check (no Test, or ["NONE"]). CMD-SHELL runs with the container's Shell (default /bin/sh -c). */
export function probeSettings(hc: HealthConfig | undefined | null, shell?: readonly string[] | null): ProbeSettings | null {
  const t = hc?.Test ?? [];
  if (t.length === 0 || t[0] === "NONE") return null;
  let cmd: string[];
  if (t[0] === "CMD") cmd = t.slice(1);
  else if (t[0] === "CMD-SHELL") cmd = [...(shell && shell.length > 0 ? shell : ["/bin/sh", "-c"]), t.slice(1).join(" ")];
  else return null;
  if (cmd.length === 0) return null;
  const ms = (ns: number | undefined, dflt: number) => (ns && ns > 0 ? Math.max(1, Math.round(ns / 1e6)) : dflt);
  return {
    cmd,
    intervalMs: ms(hc!.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(hc!.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: ms(hc!.StartPeriod, 0),
    startIntervalMs: ms(hc!.StartInterval, DEFAULT_START_INTERVAL_MS),
    retries: hc!.Retries && hc!.Retries > 0 ? hc!.Retries : DEFAULT_RETRIES,
  };
}

/** Go's time.Duration String for whole milliseconds ("200ms", "1s", "1.5s", "1m30s"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number(s.toFixed(3))}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}
