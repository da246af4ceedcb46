import { defaultSeccompProfile } from "../runtime/seccomp/defaultProfile.js";
import { sharedShimLauncher } from "../sys/shimLauncher.js";
import type { Engine } from "./Engine.js";

/**
 * What the first container would otherwise pay for, done once when the daemon starts (in the
 * background, after it listens): the shim launcher process, the cgroup hierarchy table, and the
 * compiled default seccomp program (cached on disk by profile, so only a fresh data root or a
 * rebuilt compiler compiles). Failures only mean the first container does this work itself.
 */
export async function warmUp(engine: Engine): Promise<void> {
  const rt = engine.runtime;
  sharedShimLauncher(rt.shimPath).start();
  await rt.cgroupHierarchies?.();
  if (rt.seccomp) await rt.seccomp.compile(defaultSeccompProfile(), { cacheDir: rt.seccomp.cacheDir, compiler: rt.seccomp.compiler });
}
