import { filterObject, requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, flagValues, parseFlags } from "../../flags.js";
import { renderRows } from "../../formatter.js";
import type { CliCommand } from "../../io.js";
import { naturalCompare } from "../../networkRows.js";
import { VOLUME_FORMAT, volumeRow } from "../../volumeRows.js";

const USAGE = "volume ls [OPTIONS]";

/** `berth volume ls`: docker's table (sorted by name, naturally), -q names, --filter, --format. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "List volumes",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "filter", short: "f", value: true, multi: true }, { long: "format", value: true }, { long: "quiet", short: "q" },
      { long: "cluster" },
    ], "volume ls", { interspersed: true });
    requireArgs(p, "volume ls", USAGE, { max: 0 });
    const res = await ctx.client().volumes.list(filterObject(flagValues(p, "filter")));
    const volumes = [...(res.Volumes ?? [])].sort((a, b) => naturalCompare(a.Name, b.Name));
    const rows = volumes.map(volumeRow);
    const format = flagValue(p, "format") ?? "";
    // As docker's NewVolumeFormat: -q replaces the table, a custom format still wins.
    if (flagBool(p, "quiet") && (format === "" || format === "table")) {
      ctx.io.out(rows.map((r) => `${r.Name}\n`).join(""));
      return 0;
    }
    ctx.io.out(renderRows(format, rows, VOLUME_FORMAT));
    return 0;
  },
};
