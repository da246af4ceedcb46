import { forEachArg, requireArgs } from "../../commandKit.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "pause CONTAINER [CONTAINER...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Pause all processes within one or more containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "pause", { interspersed: true });
    requireArgs(p, "pause", USAGE, { min: 1 });
    const client = ctx.client();
    return forEachArg(ctx, p.args, async (c) => {
      await client.containers.pause(c);
      return c;
    });
  },
};
