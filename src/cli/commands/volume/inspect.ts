import { requireArgs } from "../../commandKit.js";
import { errorText, isDaemonError } from "../../errors.js";
import { flagValue, parseFlags } from "../../flags.js";
import { inspectAll } from "../../inspectOutput.js";
import type { CliCommand } from "../../io.js";

const USAGE = "volume inspect [OPTIONS] VOLUME [VOLUME...]";

/** `berth volume inspect`: the JSON array (or --format per volume); a missing one is the daemon's text, exit 1. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Display detailed information on one or more volumes",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "format", short: "f", value: true }], "volume inspect", { interspersed: true });
    requireArgs(p, "volume inspect", USAGE, { min: 1 });
    const client = ctx.client();
    return inspectAll(ctx, p.args, flagValue(p, "format"), async (name) => {
      try {
        return await client.volumes.inspect(name);
      } catch (e) {
        // docker prints a missing volume as the daemon said it ("Error response from daemon: ...").
        if (isDaemonError(e)) throw new Error(errorText(e));
        throw e;
      }
    });
  },
};
