import type { Seccomp, SeccompAction, SeccompArg, SeccompOperator } from "../../oci/runtime.js";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import { SCMP_ARCH_NAMES } from "./arch.js";
import { flatLine } from "./flatLine.js";

/**
 * OCI `Seccomp` → the flat profile berth-seccomp compiles (native/README.md, "Flat seccomp
 * profile"). Everything is validated here, so a bad profile fails in TypeScript with the
 * offending field named, before any process is started; berth-seccomp re-checks the syntax only.
 */

const ACTIONS: Record<Exclude<SeccompAction, "SCMP_ACT_NOTIFY">, string> = {
  SCMP_ACT_ALLOW: "allow",
  SCMP_ACT_ERRNO: "errno",
  SCMP_ACT_KILL: "kill",
  SCMP_ACT_KILL_THREAD: "kill",
  SCMP_ACT_KILL_PROCESS: "kill_process",
  SCMP_ACT_TRAP: "trap",
  SCMP_ACT_LOG: "log",
  SCMP_ACT_TRACE: "trace",
};

const OPERATORS: Record<SeccompOperator, string> = {
  SCMP_CMP_NE: "ne",
  SCMP_CMP_LT: "lt",
  SCMP_CMP_LE: "le",
  SCMP_CMP_EQ: "eq",
  SCMP_CMP_GE: "ge",
  SCMP_CMP_GT: "gt",
  SCMP_CMP_MASKED_EQ: "masked_eq",
};

/** seccomp(2) filter flags: bits of the `flags` argument of SECCOMP_SET_MODE_FILTER. */
const FILTER_FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};

/** EPERM: what runc and crun return when an errno action gives no errnoRet. */
const DEFAULT_ERRNO = 1;
/** SECCOMP_RET_DATA is 16 bits wide. */
const MAX_RET_DATA = 0xffff;
/** Syscalls take at most six arguments. */
const MAX_ARG_INDEX = 5;

const notImplemented = (msg: string) => new EngineError("NotImplemented", msg);

function action(a: unknown, field: string): string {
  if (a === "SCMP_ACT_NOTIFY") {
    throw notImplemented(`seccomp profile: ${field}: SCMP_ACT_NOTIFY (user-space notification) is not supported by berth`);
  }
  const flat = typeof a === "string" ? (ACTIONS as Record<string, string>)[a] : undefined;
  if (!flat) throw invalidArgument(`seccomp profile: ${field}: unknown action ${JSON.stringify(a)}`);
  return flat;
}

/** The number that goes with an action: the errno for errno, the message for trace, else 0. */
function retData(flatAction: string, value: unknown, field: string): number {
  if (flatAction !== "errno" && flatAction !== "trace") return 0;
  if (value === undefined || value === null) return DEFAULT_ERRNO;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_RET_DATA) {
    throw invalidArgument(`seccomp profile: ${field}: must be an integer from 0 to ${MAX_RET_DATA}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function argValue(v: unknown, field: string): string {
  // Values are uint64 in the spec; a JS number holds them exactly only up to 2^53.
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw invalidArgument(`seccomp profile: ${field}: must be a non-negative integer below 2^53, got ${JSON.stringify(v)}`);
  }
  return String(v);
}

function argField(arg: SeccompArg, field: string): string {
  if (!arg || typeof arg !== "object") throw invalidArgument(`seccomp profile: ${field}: not an object`);
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > MAX_ARG_INDEX) {
    throw invalidArgument(`seccomp profile: ${field}.index: must be 0 to ${MAX_ARG_INDEX}, got ${JSON.stringify(arg.index)}`);
  }
  const op = (OPERATORS as Record<string, string>)[arg.op as string];
  if (!op) throw invalidArgument(`seccomp profile: ${field}.op: unknown operator ${JSON.stringify(arg.op)}`);
  const value = argValue(arg.value, `${field}.value`);
  const valueTwo = argValue(arg.valueTwo ?? 0, `${field}.valueTwo`);
  return `${arg.index},${op},${value},${valueTwo}`;
}

const SYSCALL_NAME = /^[a-z0-9_]+$/;

/** The flat profile text for `profile` (see native/README.md). */
export function flattenSeccomp(profile: Seccomp): string {
  if (!profile || typeof profile !== "object") throw invalidArgument("seccomp profile: not an object");
  if (profile.listenerPath) {
    throw notImplemented("seccomp profile: listenerPath: seccomp user-space notification is not supported by berth");
  }
  seccompFilterFlags(profile); // validates flags; they are seccomp(2) arguments, not part of the program

  let out = "";
  const def = action(profile.defaultAction, "defaultAction");
  const defRet = retData(def, profile.defaultErrnoRet, "defaultErrnoRet");
  out += def === "errno" || def === "trace" ? flatLine("default", def, defRet) : flatLine("default", def);

  const arches = profile.architectures ?? [];
  if (!Array.isArray(arches)) throw invalidArgument("seccomp profile: architectures: not a list");
  arches.forEach((a, i) => {
    const name = SCMP_ARCH_NAMES[a];
    if (!name) throw invalidArgument(`seccomp profile: architectures[${i}]: unknown architecture ${JSON.stringify(a)}`);
    out += flatLine("arch", name);
  });

  const syscalls = profile.syscalls ?? [];
  if (!Array.isArray(syscalls)) throw invalidArgument("seccomp profile: syscalls: not a list");
  syscalls.forEach((sc, i) => {
    const field = `syscalls[${i}]`;
    if (!sc || typeof sc !== "object") throw invalidArgument(`seccomp profile: ${field}: not an object`);
    const act = action(sc.action, `${field}.action`);
    const ret = retData(act, sc.errnoRet, `${field}.errnoRet`);
    if (!Array.isArray(sc.names) || sc.names.length === 0) {
      throw invalidArgument(`seccomp profile: ${field}.names: must list at least one syscall`);
    }
    if (sc.args != null && !Array.isArray(sc.args)) throw invalidArgument(`seccomp profile: ${field}.args: not a list`);
    const args = (sc.args ?? []).map((a, j) => argField(a, `${field}.args[${j}]`));
    sc.names.forEach((name, j) => {
      if (typeof name !== "string" || !SYSCALL_NAME.test(name)) {
        throw invalidArgument(`seccomp profile: ${field}.names[${j}]: bad syscall name ${JSON.stringify(name)}`);
      }
      out += flatLine("rule", act, ret, name, ...args);
    });
  });
  return out;
}

/**
 * The `flags` argument for seccomp(SECCOMP_SET_MODE_FILTER) from the profile's `flags`. These
 * change how the kernel installs the program, not the program itself, so they are not in the
 * flat profile or the compiled file: whoever loads the program passes them.
 */
export function seccompFilterFlags(profile: Seccomp): number {
  const flags = profile.flags ?? [];
  if (!Array.isArray(flags)) throw invalidArgument("seccomp profile: flags: not a list");
  let mask = 0;
  flags.forEach((f, i) => {
    if (f === "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" || f === "SECCOMP_FILTER_FLAG_NEW_LISTENER") {
      throw notImplemented(`seccomp profile: flags[${i}]: ${f} needs user-space notification, which berth does not support`);
    }
    const bit = FILTER_FLAGS[f];
    if (bit === undefined) throw invalidArgument(`seccomp profile: flags[${i}]: unknown flag ${JSON.stringify(f)}`);
    mask |= bit;
  });
  return mask;
}
