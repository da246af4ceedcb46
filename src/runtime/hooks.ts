import type { Hook, State } from "../oci/runtime.js";
import type { Sys } from "../sys/Sys.js";

/**
 * Runs poststart/poststop hooks in order. Per the runtime spec their failures are warnings:
 * the remaining hooks and the lifecycle continue, so failures are returned, not thrown.
 */
export async function runHooksCollectingFailures(sys: Sys, hooks: readonly Hook[] | undefined, state: State, phase: string): Promise<string[]> {
  const warnings: string[] = [];
  const json = JSON.stringify(state);
  for (const h of hooks ?? []) {
    try {
      await sys.runHook(h, json);
    } catch (e) {
      warnings.push(`${phase} hook: ${(e as Error).message}`);
    }
  }
  return warnings;
}
