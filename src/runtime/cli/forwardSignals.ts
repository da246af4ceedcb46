import type { Sys } from "../../sys/Sys.js";
import { constants } from "node:os";

/** Signals a foreground `run`/`exec` passes on to the container process (runc forwards all it can). */
const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGCONT", "SIGTSTP"];

/**
 * Installs handlers that forward signals to the process once its pid is known (signals that
 * arrive before are queued). Returns the pid setter and a function that removes the handlers.
 */
export function forwardSignals(sys: Sys): { setPid(pid: number): void; stop(): void } {
  let pid = 0;
  const queued: NodeJS.Signals[] = [];
  const send = (sig: NodeJS.Signals) => {
    try {
      sys.kill(pid, (constants.signals as Record<string, number>)[sig]);
    } catch {
      /* it already exited */
    }
  };
  const handlers = FORWARDED.map((sig) => {
    const h = () => (pid > 0 ? send(sig) : queued.push(sig));
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    setPid(p: number) {
      pid = p;
      for (const sig of queued.splice(0)) send(sig);
    },
    stop() {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
