import type { Device, DeviceCgroupRule } from "../oci/runtime.js";
import { DEFAULT_DEVICES, DEFAULT_ALLOWED_DEVICE_RULES } from "../oci/defaults.js";
import { invalidArgument } from "../errors/EngineError.js";
import type { PlanLine } from "./planLines.js";

/** Spec devices plus the default ones (a spec entry with the same path wins), as plan lines. */
export function deviceLines(devices: readonly Device[] | undefined): PlanLine[] {
  const byPath = new Map<string, Device>();
  for (const d of DEFAULT_DEVICES) byPath.set(d.path, d);
  (devices ?? []).forEach((d, i) => {
    const field = `linux.devices[${i}]`;
    if (typeof d.path !== "string" || !d.path.startsWith("/") || d.path.split("/").includes("..")) throw invalidArgument(`validate spec: ${field}.path: must be an absolute path without "..", got ${JSON.stringify(d.path)}`);
    if (!["c", "b", "u", "p"].includes(d.type)) throw invalidArgument(`validate spec: ${field}.type: unknown device type ${JSON.stringify(d.type)}`);
    if (d.type !== "p" && (!Number.isInteger(d.major) || !Number.isInteger(d.minor))) throw invalidArgument(`validate spec: ${field}: major and minor are required for type ${d.type}`);
    byPath.set(d.path, d);
  });
  return [...byPath.values()].map((d) => [
    "device",
    d.path,
    d.type,
    d.major ?? 0,
    d.minor ?? 0,
    "0" + ((d.fileMode ?? 0o666) & 0o7777).toString(8).padStart(3, "0"),
    d.uid ?? 0,
    d.gid ?? 0,
  ]);
}

/**
 * The device cgroup rules to apply: the spec's, then an allow for every spec device that has no
 * allow rule of its own in the spec (Docker's `--device x:y:r` must stay read-only), then the
 * defaults every container needs (runc specconv order; later rules win).
 */
export function deviceCgroupRules(specRules: readonly DeviceCgroupRule[] | undefined, devices: readonly Device[] | undefined): DeviceCgroupRule[] {
  const out: DeviceCgroupRule[] = [...(specRules ?? [])];
  const ruled = (d: Device) => out.some((r) => r.allow && r.type === d.type && r.major === d.major && r.minor === d.minor);
  for (const d of devices ?? []) {
    if (d.type === "p" || ruled(d)) continue;
    out.push({ allow: true, type: d.type === "b" ? "b" : "c", major: d.major ?? null, minor: d.minor ?? null, access: "rwm" });
  }
  out.push(...DEFAULT_ALLOWED_DEVICE_RULES);
  return out;
}
