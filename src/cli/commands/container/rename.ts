import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "rename CONTAINER NEW_NAME";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Rename a container",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "rename", { interspersed: true });
    requireArgs(p, "rename", USAGE, { exact: 2 });
    const [c, name] = p.args as [string, string];
    if (name.trim() === "") throw new StatusError("Error: Neither old nor new names may be empty", 1);
    await ctx.client().containers.rename(c, name);
    return 0;
  },
};
