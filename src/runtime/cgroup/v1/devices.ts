import type { DeviceCgroupRule } from "../../../oci/runtime.js";
import type { CgroupFs } from "../cgroupFs.js";
import { writeControl } from "../control.js";

/** One OCI device rule in the v1 devices.allow/deny syntax: "c 1:3 rwm", "*" for any number. */
export function deviceRuleString(r: DeviceCgroupRule): string {
  const num = (n: number | null | undefined) => (n === undefined || n === null || n === -1 ? "*" : String(n));
  return `${r.type ?? "a"} ${num(r.major)}:${num(r.minor)} ${r.access ?? "rwm"}`;
}

/**
 * devices controller, v1: start from "deny everything", then replay the OCI rules in order,
 * each to devices.allow or devices.deny (one rule per write, as the kernel parses them), so the
 * last matching rule wins as the OCI spec says.
 */
export async function applyDevicesV1(fs: CgroupFs, dir: string, rules: DeviceCgroupRule[]): Promise<void> {
  await writeControl(fs, dir, "devices.deny", "a", { field: "devices (default deny)" });
  // A spec's leading deny-all rules (runc's and Docker's specs start with one) repeat the
  // default deny just written: each is three syscalls that change nothing.
  let first = 0;
  while (first < rules.length && !rules[first]!.allow && deviceRuleString(rules[first]!) === "a *:* rwm") first++;
  for (const [i, r] of rules.entries()) {
    if (i < first) continue;
    await writeControl(fs, dir, r.allow ? "devices.allow" : "devices.deny", deviceRuleString(r), { field: `devices[${i}]` });
  }
}
