import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineError, wrapError } from "../../errors/EngineError.js";
import type { CgroupManager } from "./CgroupManager.js";
import { parseCgroupMounts, type CgroupMount } from "./mountinfo.js";
import { v1Hierarchies } from "./v1/hierarchies.js";
import { CgroupV1Manager, type ManagerOptions } from "./v1/manager.js";
import { CgroupV2Manager } from "./v2/manager.js";

export type CgroupLayout =
  | { version: 2; mountPoint: string }
  | { version: 1; mounts: CgroupMount[] };

function controllersOf(dir: string): string[] {
  try {
    return readFileSync(join(dir, "cgroup.controllers"), "utf8").split(/\s+/).filter((c) => c !== "");
  } catch {
    return [];
  }
}

/**
 * Which cgroup layout `<root>` has, from `<root>/proc/self/mountinfo`:
 * - a cgroup2 mount at /sys/fs/cgroup with controllers: v2 (unified mode);
 * - otherwise, any v1 hierarchy: v1 (legacy or hybrid: a controller-less cgroup2 at
 *   /sys/fs/cgroup/unified next to the v1 hierarchies is hybrid, still v1);
 * - otherwise a lone cgroup2 mount (no controllers delegated): v2, for freezing and tracking.
 */
export function detectCgroupLayout(root = "/"): CgroupLayout {
  let text: string;
  try {
    text = readFileSync(join(root, "proc/self/mountinfo"), "utf8");
  } catch (e) {
    throw wrapError(e, "detect cgroup version");
  }
  const mounts = parseCgroupMounts(text);
  const v2 = mounts.filter((m) => m.fsType === "cgroup2");
  const unified = v2.find((m) => m.mountPoint === "/sys/fs/cgroup");
  if (unified && controllersOf(join(root, unified.mountPoint)).length > 0) return { version: 2, mountPoint: join(root, unified.mountPoint) };
  if (mounts.some((m) => m.fsType === "cgroup")) return { version: 1, mounts };
  const lone = unified ?? v2[0];
  if (lone) return { version: 2, mountPoint: join(root, lone.mountPoint) };
  throw new EngineError("Unavailable", `detect cgroup version: no cgroup filesystem is mounted (${join(root, "proc/self/mountinfo")})`);
}

/**
 * The CgroupManager for the host under `root` ("/" normally; a fixture tree in tests).
 * Synchronous so it can be called while wiring the runtime together.
 */
export function detectCgroupManager(root = "/", opts: ManagerOptions = {}): CgroupManager {
  const layout = detectCgroupLayout(root);
  if (layout.version === 2) return new CgroupV2Manager(layout.mountPoint, opts);
  return new CgroupV1Manager(v1Hierarchies(layout.mounts, root), opts);
}
