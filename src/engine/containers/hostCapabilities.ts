import { readFileSync } from "node:fs";
import { ALL_CAPABILITIES, maskToNames } from "../../runtime/caps.js";

/**
 * The capabilities the daemon itself can hand out: its bounding set (/proc/self/status CapBnd).
 * "All capabilities" (--privileged, --cap-add ALL) means these: asking the kernel for one outside
 * the bounding set fails the container's capset (e.g. a host without CAP_SYS_RESOURCE).
 */
export function hostCapabilities(): string[] {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return maskToNames(BigInt(`0x${m[1]}`));
  } catch {
    /* not Linux: fall through */
  }
  return [...ALL_CAPABILITIES];
}

/** --cap-add with "ALL" expanded to the host's capabilities (other names kept as given). */
export function expandAllCapabilities(list: readonly string[]): string[] {
  return list.some((c) => c.toUpperCase() === "ALL" || c.toUpperCase() === "CAP_ALL") ? hostCapabilities() : [...list];
}
