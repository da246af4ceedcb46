import type { ExecConfig } from "../../../api/types/exec.js";

/** What the daemon keeps about one exec instance (in memory, as Docker does). */
export interface ExecRecord {
  /** 64 lower-case hex characters. */
  id: string;
  containerId: string;
  config: ExecConfig;
  /** Set once start was asked for: an exec runs at most once. */
  started: boolean;
  running: boolean;
  /** Null until the process ended. */
  exitCode: number | null;
  /** Host pid of the process while it runs (0 before). */
  pid: number;
  /** The exec's shim state directory while its shim lives (ctl.sock, exit). */
  stateDir?: string;
  /** Wanted terminal size before the process exists (applied at start). */
  consoleSize?: [number, number];
  /** When it ended (ms since the epoch), for pruning. */
  endedAt?: number;
}
