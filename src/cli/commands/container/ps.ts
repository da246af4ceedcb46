import { filterObject, requireArgs } from "../../commandKit.js";
import { containerRow, PS_FORMAT } from "../../containerRows.js";
import { flagBool, flagInt, flagValue, flagValues, parseFlags } from "../../flags.js";
import { renderRows } from "../../formatter.js";
import type { CliCommand } from "../../io.js";

const USAGE = "ps [OPTIONS]";

/** `berth ps`: docker's container table, -q IDs, --format templates and json. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "List containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "all", short: "a" }, { long: "quiet", short: "q" }, { long: "last", short: "n", value: true },
      { long: "latest", short: "l" }, { long: "filter", short: "f", value: true, multi: true }, { long: "format", value: true },
      { long: "no-trunc" }, { long: "size", short: "s" },
    ], "ps", { interspersed: true });
    requireArgs(p, "ps", USAGE, { max: 0 });
    let limit = flagInt(p, "last", "ps");
    if (flagBool(p, "latest")) limit = 1;
    // Like docker, a format that shows .Size asks the daemon for sizes.
    const size = flagBool(p, "size") || (flagValue(p, "format") ?? "").includes(".Size");
    const list = await ctx.client().containers.list({
      all: flagBool(p, "all") || (limit !== undefined && limit > 0), size, filters: filterObject(flagValues(p, "filter")),
      ...(limit !== undefined && limit > 0 ? { limit } : {}),
    });
    const trunc = !flagBool(p, "no-trunc");
    const rows = list.map((c) => containerRow(c, { trunc }));
    if (flagBool(p, "quiet")) {
      ctx.io.out(rows.map((r) => `${r.ID}\n`).join(""));
      return 0;
    }
    const spec = size ? { ...PS_FORMAT, defaultTable: PS_FORMAT.defaultTable + "\t{{.Size}}" } : PS_FORMAT;
    ctx.io.out(renderRows(flagValue(p, "format"), rows, spec));
    return 0;
  },
};
