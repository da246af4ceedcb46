import { join } from "node:path";
import { invalidArgument } from "../../../errors/EngineError.js";
import type { CgroupFs } from "../cgroupFs.js";
import { writeControl } from "../control.js";
import { readControllers } from "./subtree.js";

/** Core files that belong to the engine (membership, delegation, freezing), never to users. */
const RESERVED = new Set(["cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "cgroup.type", "cgroup.freeze", "cgroup.kill", "cgroup.controllers", "cgroup.events", "cgroup.stat"]);

/**
 * OCI `unified`: key/values written verbatim (e.g. "memory.min" for a hard guarantee), after
 * the typed fields so they win. A key must name an existing file of an enabled controller.
 */
export async function applyUnifiedV2(fs: CgroupFs, dir: string, unified: Record<string, string>): Promise<void> {
  const controllers = new Set(await readControllers(fs, dir));
  for (const [key, value] of Object.entries(unified)) {
    const controller = key.split(".")[0]!;
    if (key.includes("/") || RESERVED.has(key)) throw invalidArgument(`unified: key ${JSON.stringify(key)} may not be set`);
    if (controller !== "cgroup" && !controllers.has(controller)) {
      throw invalidArgument(`unified: key ${JSON.stringify(key)}: controller ${controller} is not enabled for this cgroup`);
    }
    if (!(await fs.exists(join(dir, key)))) throw invalidArgument(`unified: unknown key ${JSON.stringify(key)} (no such control file)`);
    await writeControl(fs, dir, key, value, { field: `unified[${JSON.stringify(key)}]` });
  }
}
