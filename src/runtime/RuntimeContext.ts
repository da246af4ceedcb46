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
  /**
   * For a long-lived owner (berthd): `delete` renames a container's state directory to a
   * `.rm-` name in root (one syscall) and hands that path to `start`, which deletes it in the
   * background (a BackgroundDeletes, or something holding it back a little), so the owner
   * must finish them before exiting and sweep root's `.rm-*` at start (a crash's leftovers;
   * BackgroundDeletes.sweep). Absent (the runtime CLI, which exits right after): removed
   * before `delete` returns.
   */
  stateDeletes?: { start(path: string): void };
  /**
   * For a long-lived owner (berthd): berth's shared cgroup parent (`/berth`) stays when its
   * last container goes, so the next lone container does not make it again (nine mkdirs and
   * the cpuset copy, then nine rmdirs); the owner removes it when it stops
   * (releaseCgroupParent). Absent (the runtime CLI): removed with its last container, so
   * nothing stays behind.
   */
  keepCgroupParent?: boolean;
  /**
   * For a long-lived owner (berthd): state directories made ahead (STATE_DIR_LAYOUT: the
   * directory, an empty plan and an empty state.json, which reads as no record), renamed to
   * the new container's by `take` (false: none, create makes its own). The owner makes them in
   * idle time as `.rm-` names in root, so its start-up sweep removes a crash's.
   */
  premadeStateDirs?: { take(dir: string): boolean };
  /**
   * A container's cgroup made ahead (src/runtime/premadeCgroups.ts, cgroup v1): create renames it
   * to the container's path in berth's default parent and applies the limits; false: none (the
   * cgroup is created as usual). The daemon's engine sets it.
   */
  premadeCgroups?: { take(path: string): Promise<boolean> };
}

export const DEFAULT_RUNTIME_ROOT = "/run/berth/runtime";
