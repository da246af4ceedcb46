import { validateId } from "../../util/ids.js";
import { containerDir, readRecord } from "../containerStore.js";
import { exitStatusCode, type ExitRecord } from "../exitRecord.js";
import { waitForExit } from "../waitExit.js";
import type { RuntimeContext } from "../RuntimeContext.js";

export interface WaitResult {
  /** How the init ended; null if its shim died without recording it. */
  exit: ExitRecord | null;
  /** Shell-style code: the exit code, 128 + signal, or 255 when unknown. */
  exitCode: number;
}

/** Waits until the container's init has exited (returns at once for a stopped container). */
export async function waitContainer(ctx: RuntimeContext, idArg: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<WaitResult> {
  const id = validateId(idArg);
  const rec = await readRecord(ctx.root, id);
  const exit = await waitForExit(ctx.sys, { dir: containerDir(ctx.root, id), shimPid: rec.shimPid, shimStartTime: rec.shimStartTime }, opts);
  return { exit, exitCode: exit ? exitStatusCode(exit) : 255 };
}
