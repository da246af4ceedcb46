import type { RestartPolicy } from "../../api/types/container.js";
import { invalidArgument } from "../../errors/EngineError.js";

const NAMES = ["", "no", "always", "unless-stopped", "on-failure"];

/** moby's checks (runconfig/hostconfig validateRestartPolicy). */
export function validateRestartPolicy(p: RestartPolicy): void {
  const name = p.Name ?? "";
  if (!NAMES.includes(name)) throw invalidArgument(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  const n = p.MaximumRetryCount ?? 0;
  if (n < 0) throw invalidArgument("invalid restart policy: maximum retry count can't be negative");
  if (n > 0 && name !== "on-failure") throw invalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
}

/** Should a container that just exited be restarted (moby restartmanager.ShouldRestart)? */
export function shouldRestart(p: RestartPolicy | undefined, o: { exitCode: number; restartCount: number; manuallyStopped: boolean }): boolean {
  if (o.manuallyStopped) return false;
  switch (p?.Name ?? "no") {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure": {
      const max = p?.MaximumRetryCount ?? 0;
      return o.exitCode !== 0 && (max === 0 || o.restartCount < max);
    }
    default:
      return false;
  }
}

const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 60_000;
/** A container that ran this long is considered healthy again: the back-off starts over. */
const BACKOFF_RESET_AFTER_MS = 10_000;

/** Docker's restart back-off: 100 ms doubling to a minute, reset after 10 s of running. */
export function nextBackoff(previousMs: number, ranMs: number): number {
  if (ranMs >= BACKOFF_RESET_AFTER_MS || previousMs <= 0) return BACKOFF_START_MS;
  return Math.min(BACKOFF_MAX_MS, previousMs * 2);
}
