import { forEachArg, requireArgs } from "../../commandKit.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "wait CONTAINER [CONTAINER...]";

/** `berth wait`: prints each container's exit code once it stops. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Block until one or more containers stop, then print their exit codes",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "wait", { interspersed: true });
    requireArgs(p, "wait", USAGE, { min: 1 });
    const client = ctx.client();
    return forEachArg(ctx, p.args, async (c) => String((await client.containers.wait(c, { condition: "not-running" })).StatusCode));
  },
};
