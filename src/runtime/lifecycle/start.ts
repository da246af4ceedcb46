import { conflict } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { containerDir, writeRecord } from "../containerStore.js";
import { ctlRequest } from "../ctlSocket.js";
import { runHooksCollectingFailures } from "../hooks.js";
import { parseShimReply } from "../shimReply.js";
import { canStart } from "../state.js";
import { loadContainer, ociState } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";
import { mark } from "../../util/timingMarks.js";

export interface StartResult {
  /** Poststart hook failures (the runtime spec makes them warnings). */
  warnings: string[];
}

/** `start`: tell the shim to run the user process (answer comes once execve succeeded), then poststart hooks. */
export async function startContainer(ctx: RuntimeContext, idArg: string): Promise<StartResult> {
  const id = validateId(idArg);
  const v = await loadContainer(ctx, id);
  mark("rtstart: loaded");
  if (!canStart(v.status)) throw conflict(`start ${id}: cannot start a container that is ${v.status}`);
  const reply = parseShimReply(await ctlRequest(containerDir(ctx.root, id), "start"), `start ${id}`);
  mark("rtstart: ctl replied");
  if (!reply.ok) throw reply.error;
  v.record.started = true;
  await writeRecord(ctx.root, v.record);
  mark("rtstart: record written");
  const warnings = await runHooksCollectingFailures(ctx.sys, v.record.poststart, ociState({ record: v.record, status: "running" }), "poststart");
  return { warnings };
}
