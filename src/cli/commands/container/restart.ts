import { forEachArg, requireArgs } from "../../commandKit.js";
import { flagInt, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "restart [OPTIONS] CONTAINER [CONTAINER...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Restart one or more containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "time", short: "t", value: true }, { long: "timeout", value: true }, { long: "signal", short: "s", value: true }], "restart", { interspersed: true });
    requireArgs(p, "restart", USAGE, { min: 1 });
    const timeout = flagInt(p, "time", "restart") ?? flagInt(p, "timeout", "restart");
    const signal = flagValue(p, "signal");
    const client = ctx.client();
    return forEachArg(ctx, p.args, async (c) => {
      await client.containers.restart(c, { ...(timeout !== undefined ? { timeout } : {}), ...(signal ? { signal } : {}) });
      return c;
    });
  },
};
