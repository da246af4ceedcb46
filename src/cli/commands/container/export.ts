import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "export [OPTIONS] CONTAINER";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Export a container's filesystem as a tar archive",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "output", short: "o", value: true }], "export", { interspersed: true });
    requireArgs(p, "export", USAGE, { exact: 1 });
    const output = flagValue(p, "output");
    if (!output && ctx.stdout.isTTY) throw new StatusError("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
    const tar = await ctx.client().containers.export(p.args[0]!);
    await pipeline(tar, output ? createWriteStream(output) : ctx.stdout, { end: Boolean(output) });
    return 0;
  },
};
