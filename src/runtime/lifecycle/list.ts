import type { Status } from "../../oci/runtime.js";
import { isEngineError } from "../../errors/EngineError.js";
import { listIds, readRecord } from "../containerStore.js";
import { deriveStatus } from "../status.js";
import type { RuntimeContext } from "../RuntimeContext.js";

export interface ContainerSummary {
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  created: string;
  annotations?: Record<string, string>;
}

/** `list`: every container under the root (a directory without a record is skipped: being created or deleted). */
export async function listContainers(ctx: RuntimeContext): Promise<ContainerSummary[]> {
  const out: ContainerSummary[] = [];
  for (const id of await listIds(ctx.root)) {
    let rec;
    try {
      rec = await readRecord(ctx.root, id);
    } catch (e) {
      if (isEngineError(e, "NotFound")) continue;
      throw e;
    }
    const status = await deriveStatus(ctx, rec);
    out.push({ id, pid: status === "stopped" ? 0 : rec.pid, status, bundle: rec.bundle, created: rec.created, annotations: rec.annotations });
  }
  return out;
}
