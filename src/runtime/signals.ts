import { constants } from "node:os";
import { invalidArgument } from "../errors/EngineError.js";

const SIGNALS = constants.signals as Record<string, number>;

/** "TERM", "SIGTERM", "sigterm", "15" -> 15; unknown -> InvalidArgument naming it. */
export function parseSignal(s: string | number): number {
  if (typeof s === "number") {
    if (Number.isInteger(s) && s >= 0 && s <= 64) return s;
    throw invalidArgument(`parse signal: invalid signal number ${s}`);
  }
  if (/^\d+$/.test(s)) return parseSignal(Number(s));
  const up = s.toUpperCase();
  const name = up.startsWith("SIG") ? up : `SIG${up}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rt) {
    const off = Number(rt[1] ?? 0);
    const n = name.startsWith("SIGRTMIN") ? 34 + off : 64 - off;
    if (n >= 34 && n <= 64) return n;
  }
  const n = SIGNALS[name];
  if (n === undefined) throw invalidArgument(`parse signal: unknown signal ${JSON.stringify(s)}`);
  return n;
}
