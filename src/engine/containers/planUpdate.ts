import type { ContainerUpdateRequest, HostConfig } from "../../api/types/container.js";
import { invalidArgument } from "../../errors/EngineError.js";
import type { Resources } from "../../oci/runtime.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { ociResources } from "./hostResources.js";
import { validateRestartPolicy } from "./restartPolicy.js";

export interface UpdatePlan {
  hostConfig: HostConfig;
  /** Only what the request names: applied to a live cgroup as is. */
  delta: Resources;
  warnings: string[];
}

/**
 * POST /containers/{id}/update: the new HostConfig (validated as a whole, with moby's rules for
 * restart policies and swap) and the cgroup change for a running container.
 */
export function planUpdate(rec: ContainerRecord, req: ContainerUpdateRequest): UpdatePlan {
  const warnings: string[] = [];
  const { RestartPolicy, ...resources } = req;
  if (RestartPolicy) {
    validateRestartPolicy(RestartPolicy);
    if (rec.hostConfig.AutoRemove && (RestartPolicy.Name ?? "no") !== "no") throw invalidArgument("Restart policy cannot be updated because AutoRemove is enabled for the container");
  }
  // Zero means "not given" in the update body (the CLI sends every field).
  const given = Object.fromEntries(Object.entries(resources).filter(([, v]) => v !== undefined && v !== null && v !== 0 && v !== ""));
  const merged: HostConfig = { ...rec.hostConfig, ...given };
  ociResources(merged, []);
  const delta = ociResources(given, warnings);
  if (given.Memory !== undefined && given.MemorySwap === undefined && delta.memory) {
    // An explicit swap limit stays and must still cover the memory; a default one follows it.
    const oldSwap = rec.hostConfig.MemorySwap ?? 0;
    if (oldSwap > 0 && oldSwap < (given.Memory as number)) throw invalidArgument("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
    if (oldSwap > 0) delete delta.memory.swap;
  }
  if (RestartPolicy) merged.RestartPolicy = { Name: RestartPolicy.Name || "no", MaximumRetryCount: RestartPolicy.MaximumRetryCount ?? 0 };
  return { hostConfig: merged, delta, warnings };
}
