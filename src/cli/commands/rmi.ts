import { invalidArgument } from "../../errors/EngineError.js";
import { flagBool, parseFlags } from "../flags.js";
import type { CliCommand } from "../io.js";
import { errorLine } from "../exitCodes.js";

/** `berth rmi [-f] IMAGE...`: untag and remove images (layers nothing else uses are freed). */
export const rmiCommand: CliCommand = {
  summary: "Remove one or more images",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "force", short: "f" }, { long: "no-prune" }], "rmi");
    if (p.args.length === 0) throw invalidArgument('"berth rmi" requires at least 1 argument.\nUsage:  berth rmi [OPTIONS] IMAGE [IMAGE...]');
    const engine = await ctx.engine();
    let code = 0;
    for (const name of p.args) {
      try {
        const items = await engine.images.remove(name, { force: flagBool(p, "force"), noPrune: flagBool(p, "no-prune") });
        for (const it of items) ctx.io.out("Untagged" in it ? `Untagged: ${it.Untagged}\n` : `Deleted: ${it.Deleted}\n`);
      } catch (e) {
        ctx.io.err(`Error response from daemon: ${errorLine(e)}\n`);
        code = 1;
      }
    }
    return code;
  },
};
