import { forEachArg, requireArgs } from "../../commandKit.js";
import { flagInt, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "stop [OPTIONS] CONTAINER [CONTAINER...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Stop one or more running containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "time", short: "t", value: true }, { long: "timeout", value: true }, { long: "signal", short: "s", value: true }], "stop", { interspersed: true });
    requireArgs(p, "stop", USAGE, { min: 1 });
    const timeout = flagInt(p, "time", "stop") ?? flagInt(p, "timeout", "stop");
    const signal = flagValue(p, "signal");
    const client = ctx.client();
    return forEachArg(ctx, p.args, async (c) => {
      await client.containers.stop(c, { ...(timeout !== undefined ? { timeout } : {}), ...(signal ? { signal } : {}) });
      return c;
    });
  },
};
