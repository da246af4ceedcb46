import { requireArgs } from "../../commandKit.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { tabwrite } from "../../tabwriter.js";

const USAGE = "top CONTAINER [ps OPTIONS]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Display the running processes of a container",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "top");
    requireArgs(p, "top", USAGE, { min: 1 });
    const [c, ...psArgs] = p.args as [string, ...string[]];
    const top = await ctx.client().containers.top(c, psArgs.length ? psArgs.join(" ") : undefined);
    const lines = [top.Titles.join("\t"), ...top.Processes.map((r) => r.join("\t"))];
    ctx.io.out(tabwrite(lines.join("\n"), 20, 3) + "\n");
    return 0;
  },
};
