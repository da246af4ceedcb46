import { requireArgs } from "../../commandKit.js";
import { flagValue, parseFlags } from "../../flags.js";
import { inspectAll } from "../../inspectOutput.js";
import type { CliCommand } from "../../io.js";

const USAGE = "image inspect [OPTIONS] IMAGE [IMAGE...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Display detailed information on one or more images",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "format", short: "f", value: true }], "image inspect", { interspersed: true });
    requireArgs(p, "image inspect", USAGE, { min: 1 });
    const client = ctx.client();
    return inspectAll(ctx, p.args, flagValue(p, "format"), (n) => client.images.inspect(n));
  },
};
