import { filterObject, requireArgs } from "../../commandKit.js";
import { confirm } from "../../confirm.js";
import { flagBool, flagValues, parseFlags } from "../../flags.js";
import { humanSize } from "../../format.js";
import type { CliCommand } from "../../io.js";

const USAGE = "image prune [OPTIONS]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove unused images",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "all", short: "a" }, { long: "force", short: "f" }, { long: "filter", value: true, multi: true }], "image prune", { interspersed: true });
    requireArgs(p, "image prune", USAGE, { max: 0 });
    const all = flagBool(p, "all");
    const warning = all ? "WARNING! This will remove all images without at least one container associated to them." : "WARNING! This will remove all dangling images.";
    if (!flagBool(p, "force") && !(await confirm(ctx, warning))) return 0;
    const filters = filterObject(flagValues(p, "filter"));
    filters.dangling = [all ? "false" : "true"];
    const res = await ctx.client().images.prune(filters);
    const items = res.ImagesDeleted ?? [];
    if (items.length) {
      ctx.io.out(`Deleted Images:\n${items.map((i) => (i.Untagged !== undefined ? `untagged: ${i.Untagged}\n` : `deleted: ${i.Deleted}\n`)).join("")}\n`);
    }
    ctx.io.out(`Total reclaimed space: ${humanSize(res.SpaceReclaimed)}\n`);
    return 0;
  },
};
