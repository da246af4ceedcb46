import { forEachArg, requireArgs } from "../../commandKit.js";
import { flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "kill [OPTIONS] CONTAINER [CONTAINER...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Kill one or more running containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "signal", short: "s", value: true }], "kill", { interspersed: true });
    requireArgs(p, "kill", USAGE, { min: 1 });
    const signal = flagValue(p, "signal");
    const client = ctx.client();
    return forEachArg(ctx, p.args, async (c) => {
      await client.containers.kill(c, signal);
      return c;
    });
  },
};
