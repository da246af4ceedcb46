/**
 * Facts about the host that /info shows and only the daemon knows how to find: the backing
 * filesystem of the data root, swap accounting, the cgroup version in use.
 */
import { existsSync, statfsSync } from "node:fs";
import { detectCgroupLayout } from "../runtime/cgroup/detect.js";

/** statfs f_type magic numbers → the names moby's fsutils reports. */
const FS_NAMES: Record<number, string> = {
  0xef53: "extfs", 0x58465342: "xfs", 0x9123683e: "btrfs", 0x01021994: "tmpfs", 0x794c7630: "overlayfs",
  0x2fc12fc1: "zfs", 0x6969: "nfs", 0x65735546: "fuse", 0xf15f: "ecryptfs", 0x52654973: "reiserfs",
};

export function backingFilesystem(path: string): string {
  try {
    const t = Number(statfsSync(path).type) >>> 0;
    return FS_NAMES[t] ?? `<unknown (0x${t.toString(16)})>`;
  } catch {
    return "<unknown>";
  }
}

export function detectedCgroupVersion(root = "/"): "1" | "2" {
  return detectCgroupLayout(root).version === 2 ? "2" : "1";
}

/** Whether memory+swap limits work: memsw files (v1) or memory.swap.max (v2). */
export function swapLimitSupported(version: "1" | "2", cgroupRoot = "/sys/fs/cgroup"): boolean {
  if (version === "1") return existsSync(`${cgroupRoot}/memory/memory.memsw.limit_in_bytes`);
  // The root cgroup has no memory.swap.max; a child of it does when the controller is on.
  return existsSync(`${cgroupRoot}/init.scope/memory.swap.max`) || existsSync(`${cgroupRoot}/system.slice/memory.swap.max`);
}
