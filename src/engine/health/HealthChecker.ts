import type { Health, HealthLog } from "../../api/types/container.js";
import type { RuntimeContext } from "../../runtime/RuntimeContext.js";
import type { ProbeSettings } from "./healthConfig.js";
import { runProbe, type ProbeResult } from "./runProbe.js";

/** Docker keeps the last five probe results (moby maxLogEntries). */
export const MAX_LOG_ENTRIES = 5;

export interface HealthHost {
  runtime: RuntimeContext;
  /** Short directory for probe shims' state. */
  stateRoot: string;
  /**
   * Applies `fn` to the container's current Health and saves it (under the container's lock);
   * returns false when the container is gone or no longer running (the checker then stops).
   */
  update(id: string, fn: (h: Health) => void): Promise<boolean>;
  /** Container events of a probe: exec_create/exec_start/exec_die, health_status. */
  emit(id: string, action: string, attributes: Record<string, string>): void;
  /** The status changed to unhealthy (berth's restart-on-unhealthy hangs here). */
  onUnhealthy(id: string): void;
  isPaused(id: string): boolean;
  log(msg: string): void;
}

/**
 * Health checks of running containers, Docker's semantics (moby daemon/health.go): one loop
 * per container from its start to its exit; each probe runs as an exec; exit 0 resets the
 * failing streak and makes it healthy; a failure counts unless the container never was healthy
 * and is still within StartPeriod; Retries failures in a row make it unhealthy. While starting
 * and within StartPeriod, probes run every StartInterval, otherwise every Interval.
 */
export class HealthChecker {
  private readonly loops = new Map<string, AbortController>();

  constructor(private readonly host: HealthHost) {}

  /** Starts checking `id` (status `starting`, streak 0); replaces a running loop. */
  async start(id: string, settings: ProbeSettings, startedMs: number): Promise<void> {
    this.stop(id);
    const ac = new AbortController();
    this.loops.set(id, ac);
    const alive = await this.host.update(id, (h) => {
      h.Status = "starting";
      h.FailingStreak = 0;
    });
    if (!alive || ac.signal.aborted) return this.forget(id, ac);
    void this.loop(id, settings, startedMs, ac).catch((e) => this.host.log(`container ${id}: health checks stopped: ${(e as Error).message}`)).finally(() => this.forget(id, ac));
  }

  /** Stops checking `id` (its exit, removal, daemon shutdown); a probe in flight is killed. */
  stop(id: string): void {
    const ac = this.loops.get(id);
    if (!ac) return;
    ac.abort();
    this.loops.delete(id);
  }

  close(): void {
    for (const id of [...this.loops.keys()]) this.stop(id);
  }

  private forget(id: string, ac: AbortController): void {
    if (this.loops.get(id) === ac) this.loops.delete(id);
  }

  private async loop(id: string, s: ProbeSettings, startedMs: number, ac: AbortController): Promise<void> {
    let everHealthy = false;
    const cmdText = s.cmd.join(" ");
    for (;;) {
      const inStart = !everHealthy && Date.now() - startedMs < s.startPeriodMs;
      await sleepUnlessAborted(inStart ? s.startIntervalMs : s.intervalMs, ac.signal);
      if (ac.signal.aborted) return;
      // A frozen container cannot answer (the probe would freeze too): skip while paused.
      if (this.host.isPaused(id)) continue;
      const r = await runProbe({
        runtime: this.host.runtime, containerId: id, cmd: s.cmd, timeoutMs: s.timeoutMs, stateRoot: this.host.stateRoot, signal: ac.signal,
        onCreate: (x) => this.host.emit(id, `exec_create: ${cmdText}`, { execID: x }),
        onStart: (x) => this.host.emit(id, `exec_start: ${cmdText}`, { execID: x }),
        onEnd: (x, code) => this.host.emit(id, "exec_die", { execID: x, exitCode: String(code) }),
      });
      if (ac.signal.aborted) return;
      let became: Health["Status"] | null = null;
      const alive = await this.host.update(id, (h) => {
        const before = h.Status;
        applyResult(h, r, s, startedMs);
        if (h.Status !== before) became = h.Status;
      });
      if (!alive || ac.signal.aborted) return;
      if (became === "healthy") everHealthy = true;
      if (became === "healthy" || became === "unhealthy") {
        this.host.emit(id, `health_status: ${became}`, {});
        if (became === "unhealthy") this.host.onUnhealthy(id);
      }
    }
  }
}

/** moby handleProbeResult: the log entry, the streak and the status after one probe. */
export function applyResult(h: Health, r: ProbeResult, s: ProbeSettings, startedMs: number): void {
  const entry: HealthLog = { Start: new Date(r.startMs).toISOString(), End: new Date(r.endMs).toISOString(), ExitCode: r.exitCode, Output: r.output };
  h.Log = [...(h.Log ?? []), entry].slice(-MAX_LOG_ENTRIES);
  if (r.exitCode === 0) {
    h.FailingStreak = 0;
    h.Status = "healthy";
    return;
  }
  // Failures while it never was healthy and is still within StartPeriod do not count.
  if (h.Status === "starting" && r.startMs - startedMs < s.startPeriodMs) return;
  h.FailingStreak = (h.FailingStreak ?? 0) + 1;
  if (h.FailingStreak >= s.retries) h.Status = "unhealthy";
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
