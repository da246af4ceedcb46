import { requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import { inspectAll } from "../../inspectOutput.js";
import type { CliCommand } from "../../io.js";

const USAGE = "container inspect [OPTIONS] CONTAINER [CONTAINER...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Display detailed information on one or more containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "format", short: "f", value: true }, { long: "size", short: "s" }], "container inspect", { interspersed: true });
    requireArgs(p, "container inspect", USAGE, { min: 1 });
    const client = ctx.client();
    return inspectAll(ctx, p.args, flagValue(p, "format"), (n) => client.containers.inspect(n, { size: flagBool(p, "size") }));
  },
};
