import { createContainer, type CreateOptions } from "./create.js";
import { startContainer } from "./start.js";
import { deleteContainer } from "./delete.js";
import type { ExitRecord } from "../exitRecord.js";
import { waitContainer } from "./wait.js";
import { Rollback } from "../../util/rollback.js";
import type { RuntimeContext } from "../RuntimeContext.js";

export interface RunOptions extends CreateOptions {
  /** Return once started instead of waiting for the exit. */
  detach?: boolean;
  /** Called with the init pid once started (the CLI forwards signals to it). */
  onStarted?: (pid: number) => void;
}

export interface RunResult {
  pid: number;
  warnings: string[];
  /** Foreground: the exit record (null if the shim died without one) and shell-style code. */
  exit?: ExitRecord | null;
  exitCode?: number;
}

/**
 * `run` = create + start, and in the foreground also wait + delete (runc's behaviour). A start
 * failure deletes the created container so nothing is left.
 */
export async function runContainer(ctx: RuntimeContext, opts: RunOptions): Promise<RunResult> {
  const created = await createContainer(ctx, { ...opts, terminalOnStdio: !opts.detach && (opts.stdio ?? "inherit") !== "ignore" });
  const rb = new Rollback();
  rb.add(`delete container ${created.id}`, async () => void (await deleteContainer(ctx, created.id, { force: true })));
  let warnings: string[];
  try {
    warnings = (await startContainer(ctx, created.id)).warnings;
  } catch (e) {
    return rb.run(e, `run ${created.id}`);
  }
  rb.commit();
  opts.onStarted?.(created.pid);
  if (opts.detach) return { pid: created.pid, warnings };
  const { exit, exitCode } = await waitContainer(ctx, created.id);
  const del = await deleteContainer(ctx, created.id, { force: true });
  return { pid: created.pid, warnings: [...warnings, ...del.warnings], exit, exitCode };
}
