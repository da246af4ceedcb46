/**
 * While a foreground container runs, the signals a user sends to the CLI go to the container's
 * init (as docker run's --sig-proxy does); before it starts they are remembered and sent then.
 */
export function forwardSignals(): { target(pid: number): void; release(): void } {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];
  let pid = 0;
  const pending: NodeJS.Signals[] = [];
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* the container has exited already */
    }
  };
  const handler = (sig: NodeJS.Signals) => (pid > 0 ? send(sig) : pending.push(sig));
  for (const s of signals) process.on(s, handler);
  return {
    target(p) {
      pid = p;
      for (const s of pending.splice(0)) send(s);
    },
    release() {
      for (const s of signals) process.off(s, handler);
    },
  };
}
