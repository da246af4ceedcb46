import { errorText, isDaemonError } from "../../errors.js";
import { requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import { inspectAll } from "../../inspectOutput.js";
import type { CliCommand } from "../../io.js";

const USAGE = "network inspect [OPTIONS] NETWORK [NETWORK...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Display detailed information on one or more networks",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "format", short: "f", value: true }, { long: "verbose", short: "v" }], "network inspect", { interspersed: true });
    requireArgs(p, "network inspect", USAGE, { min: 1 });
    const client = ctx.client();
    const verbose = flagBool(p, "verbose");
    return inspectAll(ctx, p.args, flagValue(p, "format"), async (n) => {
      try {
        return await client.networks.inspect(n, verbose ? { verbose } : {});
      } catch (e) {
        // docker prints a missing network as the daemon said it ("Error response from daemon:
        // network x not found"), unlike containers and images ("Error: No such ...").
        if (isDaemonError(e)) throw new Error(errorText(e));
        throw e;
      }
    });
  },
};
