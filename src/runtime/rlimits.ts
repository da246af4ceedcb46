import { invalidArgument } from "../errors/EngineError.js";

/** RLIMIT_* resource numbers (asm-generic/resource.h, x86_64 and arm64 alike). */
export const RLIMIT_NUMBERS: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

/** The largest value the spec's JSON numbers can carry exactly; runtimes treat 2^64-1 as infinity too. */
const RLIM_INFINITY_JSON = 18446744073709551615;

export function rlimitNumber(type: string, field = "process.rlimits"): number {
  const n = RLIMIT_NUMBERS[type];
  if (n === undefined) throw invalidArgument(`rlimits: unknown rlimit type ${JSON.stringify(type)} in ${field}`);
  return n;
}

/** Plan text of a limit value: -1 means RLIM_INFINITY. */
export function rlimitValue(v: number, field: string): string {
  if (v === -1 || v >= RLIM_INFINITY_JSON) return "-1";
  if (!Number.isSafeInteger(v) || v < 0) throw invalidArgument(`rlimits: ${field} must be a non-negative integer, got ${v}`);
  return String(v);
}
