import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { displayProgress } from "../../progressDisplay.js";

const USAGE = "load [OPTIONS]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Load an image from a tar archive or STDIN",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "input", short: "i", value: true }, { long: "quiet", short: "q" }, { long: "platform", value: true }], "load", { interspersed: true });
    requireArgs(p, "load", USAGE, { max: 0 });
    const input = flagValue(p, "input");
    if (!input && ctx.stdin.isTTY) throw new StatusError("requested load from stdin, but stdin is empty", 1);
    const source: Readable = input ? createReadStream(input) : ctx.stdin;
    const messages = await ctx.client().images.load(source, { quiet: flagBool(p, "quiet") });
    await displayProgress(messages, ctx.stdout);
    return 0;
  },
};
