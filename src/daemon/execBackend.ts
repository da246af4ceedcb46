/** The API's ExecBackend over the engine's ExecManager (docker exec). */
import type { ExecBackend } from "../api/backend.js";
import type { ExecConfig, ExecInspect } from "../api/types/exec.js";
import { eventAttributes } from "../engine/containers/ContainerContext.js";
import type { EventBus } from "../engine/events/EventBus.js";
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

/**
 * Convenience for the composition root: the manager and its backend. With `events`, the exec's
 * container events (exec_create/exec_start/exec_die) go on that bus with the container's
 * attributes, as moby's LogContainerEventWithAttributes.
 */
export function makeExecBackend(opts: ExecManagerOptions & { events?: EventBus }): { manager: ExecManager; backend: ExecBackend } {
  const { events, ...rest } = opts;
  const manager = new ExecManager(events && !rest.emit ? {
    ...rest,
    emit: (rec, action, attributes) => events.publish({ Type: "container", Action: action, id: rec.id, attributes: eventAttributes(rec, attributes) }),
  } : rest);
  return { manager, backend: execBackend(manager) };
}
