import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { DeviceMapping } from "../../api/types/container.js";
import { invalidArgument } from "../../errors/EngineError.js";
import type { Device, DeviceCgroupRule } from "../../oci/runtime.js";

/** What --device and --device-cgroup-rule add to a spec: device nodes and cgroup rules. */
export interface UserDevices { devices: Device[]; rules: DeviceCgroupRule[] }

/** Docker's device cgroup permissions: a non-empty mix of r, w and m, each once. */
function validMode(mode: string): boolean {
  return /^[rwm]{1,3}$/.test(mode) && new Set(mode).size === mode.length;
}

const majorOf = (rdev: number) => Number((BigInt(rdev) >> 8n) & 0xfffn);
const minorOf = (rdev: number) => Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & 0xfff00n));

function deviceOf(st: Stats, path: string): Device | undefined {
  if (!st.isCharacterDevice() && !st.isBlockDevice()) return undefined;
  return { type: st.isCharacterDevice() ? "c" : "b", path, major: majorOf(st.rdev), minor: minorOf(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/**
 * HostConfig.Devices and DeviceCgroupRules as moby's oci.DevicesFromPath and
 * WithDevices: a device node is copied (type, numbers, mode, owner) to PathInContainer with
 * an allow rule of its CgroupPermissions; a symlink is followed; a directory brings every
 * device node below it (same relative path); anything else is refused with Docker's text.
 */
export function userDevices(mappings: readonly DeviceMapping[], cgroupRules: readonly string[]): UserDevices {
  const out: UserDevices = { devices: [], rules: [] };
  for (const m of mappings) {
    const onHost = m.PathOnHost ?? "";
    const inContainer = m.PathInContainer || onHost;
    const access = m.CgroupPermissions || "rwm";
    if (!validMode(access)) throw invalidArgument(`${onHost} invalid device mode: ${access}`);
    if (!inContainer.startsWith("/")) throw invalidArgument(`${inContainer} is not an absolute path`);
    let resolved = onHost;
    try {
      if (lstatSync(onHost).isSymbolicLink()) resolved = realpathSync(onHost);
    } catch { /* reported below by the lstat of the device itself */ }
    const add = (d: Device) => {
      out.devices.push(d);
      out.rules.push({ allow: true, type: d.type === "b" ? "b" : "c", major: d.major ?? null, minor: d.minor ?? null, access });
    };
    let st: Stats;
    try {
      st = lstatSync(resolved);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw invalidArgument(`error gathering device information while adding custom device ${JSON.stringify(onHost)}: ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`);
    }
    const dev = deviceOf(st, inContainer);
    if (dev) {
      add(dev);
      continue;
    }
    let found = 0;
    if (statSync(resolved, { throwIfNoEntry: false })?.isDirectory()) {
      const walk = (dir: string, rel: string) => {
        for (const name of readdirSync(dir).sort()) {
          const p = join(dir, name);
          const s = lstatSync(p, { throwIfNoEntry: false });
          if (!s) continue;
          if (s.isDirectory()) walk(p, join(rel, name));
          const d = deviceOf(s, join(inContainer, rel, name));
          if (d) {
            add(d);
            found++;
          }
        }
      };
      walk(resolved, "");
    }
    if (found === 0) throw invalidArgument(`error gathering device information while adding custom device ${JSON.stringify(onHost)}: not a device node`);
  }
  for (const r of cgroupRules) out.rules.push(parseCgroupRule(r));
  return out;
}

/** `--device-cgroup-rule "c 1:3 rwm"` (moby's deviceCgroupRuleRegex; `*` for any number, `a` for all). */
export function parseCgroupRule(rule: string): DeviceCgroupRule {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(rule);
  if (!m || !validMode(m[4]!)) throw invalidArgument(`invalid device cgroup rule format: '${rule}'`);
  const num = (s: string) => (s === "*" ? null : Number(s));
  return { allow: true, type: m[1] as "a" | "c" | "b", major: num(m[2]!), minor: num(m[3]!), access: m[4]! };
}
