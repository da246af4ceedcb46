import { filterObject, requireArgs } from "../../commandKit.js";
import { confirm } from "../../confirm.js";
import { StatusError } from "../../errors.js";
import { flagBool, flagValues, parseFlags } from "../../flags.js";
import { humanSize } from "../../format.js";
import type { CliCommand } from "../../io.js";

const USAGE = "volume prune [OPTIONS]";

/** `berth volume prune`: docker's prompt unless -f; -a adds the filter all=true (named volumes too). */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove unused local volumes",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "all", short: "a" }, { long: "force", short: "f" }, { long: "filter", value: true, multi: true }], "volume prune", { interspersed: true });
    requireArgs(p, "volume prune", USAGE, { max: 0 });
    const filters = filterObject(flagValues(p, "filter"));
    const all = flagBool(p, "all");
    if (all) {
      if (filters.all) throw new StatusError("conflicting options: cannot specify both --all and --filter all=1", 1);
      filters.all = ["true"];
    }
    const warning = all
      ? "WARNING! This will remove all local volumes not used by at least one container."
      : "WARNING! This will remove anonymous local volumes not used by at least one container.";
    // A "no" is not an error for docker either (exit 0, nothing more printed).
    if (!flagBool(p, "force") && !(await confirm(ctx, warning))) return 0;
    const res = await ctx.client().volumes.prune(filters);
    const deleted = res.VolumesDeleted ?? [];
    if (deleted.length) ctx.io.out(`Deleted Volumes:\n${deleted.map((d) => d + "\n").join("")}\n`);
    ctx.io.out(`Total reclaimed space: ${humanSize(deleted.length ? res.SpaceReclaimed : 0)}\n`);
    return 0;
  },
};
