import type { Capabilities } from "../oci/runtime.js";
import { invalidArgument } from "../errors/EngineError.js";

/** Capability numbers from linux/capability.h. */
export const CAPABILITY_NUMBERS: Readonly<Record<string, number>> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
};

export const ALL_CAPABILITIES: readonly string[] = Object.keys(CAPABILITY_NUMBERS);

/** Accepts "CAP_SYS_ADMIN", "SYS_ADMIN" or "sys_admin" (Docker's --cap-add spelling). */
export function normalizeCapName(name: string): string {
  const up = name.toUpperCase();
  return up.startsWith("CAP_") ? up : `CAP_${up}`;
}

/** Mask (bit n = capability n) of a list of names; an unknown name is an error naming it and `field`. */
export function capabilityMask(names: readonly string[], field = "process.capabilities"): bigint {
  let mask = 0n;
  for (const name of names) {
    const n = CAPABILITY_NUMBERS[normalizeCapName(name)];
    if (n === undefined) throw invalidArgument(`capabilities: unknown capability ${JSON.stringify(name)} in ${field}`);
    mask |= 1n << BigInt(n);
  }
  return mask;
}

export function maskToNames(mask: bigint): string[] {
  return ALL_CAPABILITIES.filter((n) => (mask >> BigInt(CAPABILITY_NUMBERS[n])) & 1n);
}

export type CapSet = "bounding" | "effective" | "permitted" | "inheritable" | "ambient";
export const CAP_SETS: readonly CapSet[] = ["bounding", "effective", "permitted", "inheritable", "ambient"];

/** The five masks of a spec's capabilities (missing set = empty, as runc). */
export function capabilityMasks(caps: Capabilities | undefined): Record<CapSet, bigint> {
  const out = {} as Record<CapSet, bigint>;
  for (const set of CAP_SETS) out[set] = capabilityMask(caps?.[set] ?? [], `process.capabilities.${set}`);
  return out;
}

export function hexMask(mask: bigint): string {
  return mask.toString(16).padStart(16, "0");
}
