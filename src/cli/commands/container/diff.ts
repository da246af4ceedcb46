import { requireArgs } from "../../commandKit.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "diff CONTAINER";
const KIND = ["C", "A", "D"];

export const command: CliCommand = {
  usage: USAGE,
  summary: "Inspect changes to files or directories on a container's filesystem",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "diff", { interspersed: true });
    requireArgs(p, "diff", USAGE, { exact: 1 });
    const changes = (await ctx.client().containers.changes(p.args[0]!)) ?? [];
    ctx.io.out(changes.map((c) => `${KIND[c.Kind] ?? "?"} ${c.Path}\n`).join(""));
    return 0;
  },
};
