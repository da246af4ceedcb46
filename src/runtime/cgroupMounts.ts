import { basename, dirname, posix } from "node:path";
import { MS } from "./mountOptions.js";
import type { PlanLine } from "./planLines.js";

/** One cgroup v1 hierarchy as mounted on the host (from /proc/self/mountinfo). */
export interface CgroupHierarchy {
  /** Host mount point, e.g. /sys/fs/cgroup/cpu,cpuacct */
  mountpoint: string;
  /** Options that select this hierarchy for a fresh mount: "cpu,cpuacct", "none,name=systemd". */
  options: string;
}

/** What the plan builder needs to know about the container's cgroups. */
export interface CgroupPlanInfo {
  version: 1 | 2;
  /** cgroup.procs files of the container's cgroup (one per v1 hierarchy, one for v2). */
  procsFiles: string[];
  /** v1 only: the host's hierarchies. */
  hierarchies: CgroupHierarchy[];
}

export interface CgroupMountRequest {
  destination: string;
  flags: number;
  /** A new cgroup namespace without a user namespace: fresh mounts show the container's cgroup as root. */
  freshMounts: boolean;
}

/**
 * Expands the OCI `cgroup` mount type. v2: one cgroup2 mount. v1 (as runc): a tmpfs, one mount
 * per hierarchy below it (fresh inside a cgroup namespace, else a bind of the container's own
 * cgroup directory), symlinks for co-mounted controllers (cpu -> cpu,cpuacct), and the tmpfs is
 * made read-only last (after the symlinks exist) when the mount asked for `ro`.
 */
export function expandCgroupMount(req: CgroupMountRequest, info: CgroupPlanInfo): { mounts: PlanLine[]; symlinks: PlanLine[]; readonly: PlanLine[] } {
  const flags = req.flags & ~MS.BIND & ~MS.REC;
  const dirs = info.procsFiles.map((f) => dirname(f));
  if (info.version === 2) {
    if (req.freshMounts || dirs.length === 0) return { mounts: [["mount", req.destination, "cgroup2", "cgroup2", flags, 0, ""]], symlinks: [], readonly: [] };
    return { mounts: [["mount", req.destination, "bind", dirs[0], flags | MS.BIND | MS.REC, 0, ""]], symlinks: [], readonly: [] };
  }
  const mounts: PlanLine[] = [["mount", req.destination, "tmpfs", "tmpfs", (flags & ~MS.RDONLY) | MS.NOSUID | MS.NODEV | MS.NOEXEC, 0, "mode=755"]];
  const symlinks: PlanLine[] = [];
  for (const h of info.hierarchies) {
    const name = basename(h.mountpoint);
    const dest = posix.join(req.destination, name);
    if (req.freshMounts) {
      mounts.push(["mount", dest, "cgroup", "cgroup", flags, 0, h.options]);
    } else {
      const own = dirs.find((d) => d === h.mountpoint || d.startsWith(h.mountpoint + "/"));
      // A hierarchy the manager does not use has no cgroup of the container to show: skip it.
      if (own === undefined) continue;
      mounts.push(["mount", dest, "bind", own, flags | MS.BIND | MS.REC, 0, ""]);
    }
    if (name.includes(",")) {
      for (const part of name.split(",")) if (part !== name) symlinks.push(["symlink", name, posix.join(req.destination, part)]);
    }
  }
  const readonly: PlanLine[] = req.flags & MS.RDONLY ? [["readonly", req.destination]] : [];
  return { mounts, symlinks, readonly };
}
