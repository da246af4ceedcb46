import { forEachArg, requireArgs } from "../../commandKit.js";
import { flagBool, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "volume rm [OPTIONS] VOLUME [VOLUME...]";

/**
 * `berth volume rm`: each name printed when removed, each failure on stderr, exit 1 if any
 * failed. -f is sent to the daemon, which then ignores a missing volume (as docker's CLI does).
 */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove one or more volumes",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "force", short: "f" }], "volume rm", { interspersed: true });
    requireArgs(p, "volume rm", USAGE, { min: 1 });
    const client = ctx.client();
    const force = flagBool(p, "force");
    return forEachArg(ctx, p.args, async (name) => {
      await client.volumes.remove(name, force ? { force } : {});
      return name;
    });
  },
};
