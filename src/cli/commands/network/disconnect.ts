import { requireArgs } from "../../commandKit.js";
import { flagBool, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "network disconnect [OPTIONS] NETWORK CONTAINER";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Disconnect a container from a network",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "force", short: "f" }], "network disconnect", { interspersed: true });
    requireArgs(p, "network disconnect", USAGE, { exact: 2 });
    const [network, container] = p.args as [string, string];
    await ctx.client().networks.disconnect(network, { Container: container, Force: flagBool(p, "force") });
    return 0;
  },
};
