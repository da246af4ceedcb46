import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { CgroupHierarchy } from "../runtime/cgroupMounts.js";

/** Super options that do not select a hierarchy (flags and settings of the mount). */
const NOT_SELECTORS = new Set(["rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods", "nsdelegate", "memory_recursiveprot", "memory_localevents"]);

/** The cgroup v1 hierarchies mounted directly under `root` (default /sys/fs/cgroup), from mountinfo text. */
export function parseCgroupHierarchies(mountinfo: string, root = "/sys/fs/cgroup"): CgroupHierarchy[] {
  const out: CgroupHierarchy[] = [];
  const seen = new Set<string>();
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const [fstype, , superOpts] = line.slice(sep + 3).split(" ");
    if (fstype !== "cgroup") continue;
    const mountpoint = line.slice(0, sep).split(" ")[4].replace(/\\040/g, " ");
    if (dirname(mountpoint) !== root || seen.has(mountpoint)) continue;
    seen.add(mountpoint);
    const sel = (superOpts ?? "").split(",").filter((o) => o && !NOT_SELECTORS.has(o) && !o.startsWith("release_agent="));
    const onlyName = sel.length > 0 && sel.every((o) => o.startsWith("name="));
    out.push({ mountpoint, options: onlyName ? ["none", ...sel].join(",") : sel.join(",") });
  }
  return out;
}

export async function readCgroupHierarchies(root = "/sys/fs/cgroup"): Promise<CgroupHierarchy[]> {
  return parseCgroupHierarchies(await readFile("/proc/self/mountinfo", "utf8"), root);
}
