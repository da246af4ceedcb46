import { filterObject, requireArgs } from "../../commandKit.js";
import { confirm } from "../../confirm.js";
import { flagBool, flagValues, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "network prune [OPTIONS]";

/** `berth network prune`: docker's prompt unless -f, then the names of the removed networks. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove all unused networks",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "force", short: "f" }, { long: "filter", value: true, multi: true }], "network prune", { interspersed: true });
    requireArgs(p, "network prune", USAGE, { max: 0 });
    // A "no" is not an error for docker either (exit 0, nothing printed).
    if (!flagBool(p, "force") && !(await confirm(ctx, "WARNING! This will remove all custom networks not used by at least one container."))) return 0;
    const res = await ctx.client().networks.prune(filterObject(flagValues(p, "filter")));
    const deleted = res.NetworksDeleted ?? [];
    if (deleted.length) ctx.io.out(`Deleted Networks:\n${deleted.map((d) => d + "\n").join("")}\n`);
    return 0;
  },
};
