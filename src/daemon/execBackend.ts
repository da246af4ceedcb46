/** The API's ExecBackend over the engine's ExecManager (docker exec). */
import type { ExecBackend } from "../api/backend.js";
import type { ExecConfig, ExecInspect } from "../api/types/exec.js";
import { ExecManager, type ExecManagerOptions } from "../engine/io/exec/ExecManager.js";

export function execBackend(execs: ExecManager): ExecBackend {
  return {
    create: (containerId: string, config: ExecConfig) => execs.create(containerId, config),
    inspect: async (execId: string): Promise<ExecInspect> => execs.inspect(execId),
    resize: (execId: string, height: number, width: number) => execs.resize(execId, height, width),
    startDetached: (execId: string) => execs.startDetached(execId),
    start: (execId, options, open, signal) => execs.start(execId, options.consoleSize, open, signal),
  };
}

/** Convenience for the composition root: the manager and its backend. */
export function makeExecBackend(opts: ExecManagerOptions): { manager: ExecManager; backend: ExecBackend } {
  const manager = new ExecManager(opts);
  return { manager, backend: execBackend(manager) };
}
