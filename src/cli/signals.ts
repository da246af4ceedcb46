/**
 * docker run's --sig-proxy: while attached to a container without a TTY, signals the CLI
 * receives are sent to the container through the API (POST /containers/{id}/kill).
 */
const PROXIED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

export function proxySignals(kill: (signal: string) => Promise<void>): () => void {
  const handler = (sig: NodeJS.Signals) => {
    kill(sig).catch(() => { /* the container has exited already */ });
  };
  for (const s of PROXIED) process.on(s, handler);
  return () => {
    for (const s of PROXIED) process.off(s, handler);
  };
}
