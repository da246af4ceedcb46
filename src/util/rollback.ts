import { EngineError, wrapError } from "../errors/EngineError.js";

/**
 * Undo steps registered while building something; on failure they run newest first and the
 * original error is rethrown carrying every cleanup failure (youki's CreateContainerError;
 * in util so runtime, network and engine share it).
 */
export class Rollback {
  private steps: { what: string; undo: () => Promise<void> | void }[] = [];

  add(what: string, undo: () => Promise<void> | void): void {
    this.steps.push({ what, undo });
  }

  /** Forget the steps: the thing was built. */
  commit(): void {
    this.steps = [];
  }

  async run(original: unknown, action: string): Promise<never> {
    const cleanupErrors: unknown[] = [];
    for (const s of this.steps.reverse()) {
      try {
        await s.undo();
      } catch (e) {
        cleanupErrors.push(new Error(`${s.what}: ${(e as Error).message ?? String(e)}`));
      }
    }
    this.steps = [];
    const base = original instanceof EngineError ? original : wrapError(original, action);
    throw new EngineError(base.kind, base.message, { cause: original, cleanupErrors: [...base.cleanupErrors, ...cleanupErrors], detail: base.detail });
  }
}
