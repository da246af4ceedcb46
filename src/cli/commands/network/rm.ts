import { EngineError } from "../../../errors/EngineError.js";
import { forEachArg, requireArgs } from "../../commandKit.js";
import { flagBool, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "network rm NETWORK [NETWORK...]";

/** `berth network rm`: each name printed when removed, each failure on stderr, exit 1 if any failed; -f ignores missing ones. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove one or more networks",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "force", short: "f" }], "network rm", { interspersed: true });
    requireArgs(p, "network rm", USAGE, { min: 1 });
    const client = ctx.client();
    const force = flagBool(p, "force");
    return forEachArg(ctx, p.args, async (n) => {
      try {
        await client.networks.remove(n);
      } catch (e) {
        if (force && e instanceof EngineError && e.kind === "NotFound") return;
        throw e;
      }
      return n;
    });
  },
};
