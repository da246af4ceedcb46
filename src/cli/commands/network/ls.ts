import { filterObject, requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, flagValues, parseFlags } from "../../flags.js";
import { renderRows } from "../../formatter.js";
import type { CliCommand } from "../../io.js";
import { NETWORK_FORMAT, naturalCompare, networkRow } from "../../networkRows.js";

const USAGE = "network ls [OPTIONS]";

/** `berth network ls`: docker's table (sorted by name, naturally), -q IDs, --filter, --format, --no-trunc. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "List networks",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "filter", short: "f", value: true, multi: true }, { long: "format", value: true }, { long: "no-trunc" }, { long: "quiet", short: "q" },
    ], "network ls", { interspersed: true });
    requireArgs(p, "network ls", USAGE, { max: 0 });
    const list = await ctx.client().networks.list(filterObject(flagValues(p, "filter")));
    list.sort((a, b) => naturalCompare(a.Name, b.Name));
    const rows = list.map((n) => networkRow(n, { trunc: !flagBool(p, "no-trunc") }));
    const format = flagValue(p, "format") ?? "";
    // As docker's NewFormat: -q replaces the table, a custom format still wins.
    if (flagBool(p, "quiet") && (format === "" || format === "table")) {
      ctx.io.out(rows.map((r) => `${r.ID}\n`).join(""));
      return 0;
    }
    ctx.io.out(renderRows(format, rows, NETWORK_FORMAT));
    return 0;
  },
};
