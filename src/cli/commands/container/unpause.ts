import { forEachArg, requireArgs } from "../../commandKit.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "unpause CONTAINER [CONTAINER...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Unpause all processes within one or more containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "unpause", { interspersed: true });
    requireArgs(p, "unpause", USAGE, { min: 1 });
    const client = ctx.client();
    return forEachArg(ctx, p.args, async (c) => {
      await client.containers.unpause(c);
      return c;
    });
  },
};
