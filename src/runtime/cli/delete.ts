import { deleteContainer } from "../lifecycle/delete.js";
import { isEngineError } from "../../errors/EngineError.js";
import { bool, expectPositionals, parseArgs } from "./args.js";
import type { Command } from "./io.js";

/** `delete [--force] ID` */
export const deleteCommand: Command = async ({ ctx, io }, argv) => {
  const { options: o, positionals } = parseArgs(argv, { "--force": { key: "force" }, "-f": { key: "force" } }, { command: "delete" });
  const [id] = expectPositionals(positionals, ["ID"], "delete");
  try {
    const r = await deleteContainer(ctx, id, { force: bool(o.force) });
    for (const w of r.warnings) io.warn(w);
  } catch (e) {
    // runc: deleting a container that does not exist succeeds with --force (idempotent cleanup).
    if (!(bool(o.force) && isEngineError(e, "NotFound"))) throw e;
  }
  return 0;
};
