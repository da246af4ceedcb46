import type { Seccomp } from "../oci/runtime.js";
import type { Sys } from "../sys/Sys.js";
import type { CgroupManager } from "./cgroup/CgroupManager.js";
import type { CgroupHierarchy } from "./cgroupMounts.js";

export type SeccompCompiler = (profile: Seccomp, opts: { cacheDir: string; compiler?: string }) => Promise<string>;

/**
 * Everything the lifecycle verbs need, passed explicitly (no singletons): the state root, the
 * OS seam, the cgroup manager, the shim binary, the seccomp compiler.
 */
export interface RuntimeContext {
  /** State root: one directory per container (default /run/berth/runtime). */
  root: string;
  sys: Sys;
  /** Absent: containers get no cgroup (a spec with resources or a cgroup mount is refused). */
  cgroups?: CgroupManager;
  /** v1 hierarchies of the host (for the `cgroup` mount type); only read with a v1 manager. */
  cgroupHierarchies?: () => Promise<CgroupHierarchy[]>;
  shimPath: string;
  /** Absent: a spec with linux.seccomp is refused (never silently unconfined). */
  seccomp?: { compile: SeccompCompiler; cacheDir: string; compiler?: string; filterFlags?: (profile: Seccomp) => number };
}

export const DEFAULT_RUNTIME_ROOT = "/run/berth/runtime";
