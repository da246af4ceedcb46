import { filterObject, requireArgs } from "../../commandKit.js";
import { confirm } from "../../confirm.js";
import { flagBool, flagValues, parseFlags } from "../../flags.js";
import { humanSize } from "../../format.js";
import type { CliCommand } from "../../io.js";

const USAGE = "container prune [OPTIONS]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove all stopped containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "force", short: "f" }, { long: "filter", value: true, multi: true }], "container prune", { interspersed: true });
    requireArgs(p, "container prune", USAGE, { max: 0 });
    if (!flagBool(p, "force") && !(await confirm(ctx, "WARNING! This will remove all stopped containers."))) return 0;
    const res = await ctx.client().containers.prune(filterObject(flagValues(p, "filter")));
    const deleted = res.ContainersDeleted ?? [];
    if (deleted.length) ctx.io.out(`Deleted Containers:\n${deleted.map((d) => d + "\n").join("")}\n`);
    ctx.io.out(`Total reclaimed space: ${humanSize(res.SpaceReclaimed)}\n`);
    return 0;
  },
};
