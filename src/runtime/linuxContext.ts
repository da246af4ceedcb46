import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LinuxSys } from "../sys/linuxSys.js";
import { readCgroupHierarchies } from "../sys/cgroupHierarchies.js";
import { detectCgroupManager } from "./cgroup/detect.js";
import { compileSeccomp, defaultSeccompCompiler } from "./seccomp/compile.js";
import { seccompFilterFlags } from "./seccomp/flatten.js";
import { DEFAULT_RUNTIME_ROOT, type RuntimeContext } from "./RuntimeContext.js";

const INSTALLED_SHIM = "/usr/local/libexec/berth/berth-shim";

/**
 * The shim binary: $BERTH_SHIM, else the installed one, else the one `make -C native` builds
 * in this checkout (this file is dist/src/runtime/linuxContext.js: the root is 3 levels up).
 */
export function defaultShimPath(): string {
  if (process.env.BERTH_SHIM) return process.env.BERTH_SHIM;
  const built = resolve(dirname(fileURLToPath(import.meta.url)), "../../../native/build/berth-shim");
  // A checkout's own build wins over an installed copy when running from the checkout.
  if (existsSync(built)) return built;
  return INSTALLED_SHIM;
}

export interface LinuxContextOptions {
  root?: string;
  shimPath?: string;
  /** Compiled seccomp programs (default <root>/.seccomp-cache). */
  seccompCacheDir?: string;
  seccompCompiler?: string;
}

/** The runtime wired to the real kernel: LinuxSys, the detected cgroup manager, the seccomp compiler. */
export function linuxRuntimeContext(opts: LinuxContextOptions = {}): RuntimeContext {
  const root = resolve(opts.root ?? DEFAULT_RUNTIME_ROOT);
  // Hierarchies are mounted at boot and do not move: read mountinfo once per context.
  let hierarchies: ReturnType<typeof readCgroupHierarchies> | undefined;
  return {
    root,
    sys: new LinuxSys(),
    cgroups: detectCgroupManager("/"),
    cgroupHierarchies: () => {
      hierarchies ??= readCgroupHierarchies();
      hierarchies.catch(() => (hierarchies = undefined));
      return hierarchies;
    },
    shimPath: opts.shimPath ?? defaultShimPath(),
    seccomp: { compile: compileSeccomp, cacheDir: opts.seccompCacheDir ?? join(root, ".seccomp-cache"), compiler: opts.seccompCompiler ?? defaultSeccompCompiler(), filterFlags: seccompFilterFlags },
  };
}
