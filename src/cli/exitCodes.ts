import { EngineError } from "../errors/EngineError.js";

/**
 * docker run's exit codes: 125 when the engine fails, 126 when the command cannot be invoked,
 * 127 when it is not found, otherwise the container's own code.
 */
export function runFailureCode(e: unknown): number {
  if (e instanceof EngineError && e.detail.stage === "exec") {
    const errno = Number(e.detail.errno);
    if (errno === 2 /* ENOENT */ || errno === 20 /* ENOTDIR */) return 127;
    return 126;
  }
  return 125;
}

/** The one-line message docker prints for an error. */
export function errorLine(e: unknown): string {
  if (e instanceof EngineError) return e.fullMessage();
  return e instanceof Error ? e.message : String(e);
}
