import type { ProcStat } from "./Sys.js";

/** Parses /proc/PID/stat text; the command name may hold spaces and parentheses, so split after the last ")". */
export function parseProcStat(pid: number, text: string): ProcStat | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const rest = text.slice(close + 2).split(" ");
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  if (rest.length < 20) return null;
  return { pid, state: rest[0], startTime: rest[19] };
}

/** A process counts as alive unless it is gone, a zombie or dead (PID 1 here reaps late). */
export function isAlive(stat: ProcStat | null): boolean {
  return stat !== null && stat.state !== "Z" && stat.state !== "X" && stat.state !== "x";
}
