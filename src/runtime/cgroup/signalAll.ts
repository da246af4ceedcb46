import { EngineError } from "../../errors/EngineError.js";
import { sleep } from "./control.js";

export interface SignalAllOptions {
  /** Rounds of list-and-signal before giving up on SIGKILL emptying the cgroup. */
  rounds?: number;
  delayMs?: number;
  /** Injected for tests; defaults to process.kill. */
  kill?: (pid: number, signal: NodeJS.Signals | number) => void;
}

function isSigkill(signal: NodeJS.Signals | number): boolean {
  return signal === "SIGKILL" || signal === 9;
}

/**
 * Signals every pid `list()` returns, in rounds, so children forked while we signal are caught
 * too. For SIGKILL it repeats until the cgroup is empty (so destroy can follow) and fails after
 * a bounded number of rounds; for other signals each process is signalled once and it stops as
 * soon as a round finds no process it has not signalled (they may handle the signal slowly).
 */
export async function signalAll(what: string, list: () => Promise<number[]>, signal: NodeJS.Signals | number, opts: SignalAllOptions = {}): Promise<void> {
  const kill = opts.kill ?? ((pid, sig) => process.kill(pid, sig));
  const rounds = opts.rounds ?? 250;
  const signalled = new Set<number>();
  let pids: number[] = [];
  for (let round = 0; round < rounds; round++) {
    pids = await list();
    if (pids.length === 0) return;
    const targets = isSigkill(signal) ? pids : pids.filter((p) => !signalled.has(p));
    if (targets.length === 0) return;
    for (const pid of targets) {
      try {
        kill(pid, signal);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw new EngineError("Internal", `kill processes of cgroup ${what}: signal ${signal} to pid ${pid}: ${(e as Error).message}`, { cause: e });
      }
      signalled.add(pid);
    }
    await sleep(opts.delayMs ?? 20);
  }
  if (isSigkill(signal)) {
    throw new EngineError("Unavailable", `kill processes of cgroup ${what}: still not empty after ${rounds} rounds of SIGKILL (pids: ${pids.join(",")})`);
  }
}
