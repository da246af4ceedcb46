import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "save [OPTIONS] IMAGE [IMAGE...]";

/** `berth save`: the tar to -o FILE (written whole, then renamed) or to a non-terminal stdout. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Save one or more images to a tar archive (streamed to STDOUT by default)",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "output", short: "o", value: true }, { long: "platform", value: true }], "save", { interspersed: true });
    requireArgs(p, "save", USAGE, { min: 1 });
    const output = flagValue(p, "output");
    if (!output && ctx.stdout.isTTY) throw new StatusError("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
    const tar = await ctx.client().images.save(p.args);
    if (!output) {
      await pipeline(tar, ctx.stdout, { end: false });
      return 0;
    }
    const tmp = `${output}.berth-tmp-${process.pid}`;
    try {
      await pipeline(tar, createWriteStream(tmp, { mode: 0o600 }));
      await rename(tmp, output);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return 0;
  },
};
