import { filterObject, requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, flagValues, parseFlags } from "../../flags.js";
import { renderRows } from "../../formatter.js";
import { IMAGES_DIGEST_TABLE, IMAGES_FORMAT, imageRows } from "../../imageRows.js";
import type { CliCommand } from "../../io.js";

const USAGE = "images [OPTIONS] [REPOSITORY[:TAG]]";

/** `berth images`: docker's image table, -q IDs, --digests, --filter, --format. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "List images",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "all", short: "a" }, { long: "quiet", short: "q" }, { long: "no-trunc" }, { long: "digests" },
      { long: "filter", short: "f", value: true, multi: true }, { long: "format", value: true },
    ], "images", { interspersed: true });
    requireArgs(p, "images", USAGE, { max: 1 });
    const filters = filterObject(flagValues(p, "filter"));
    if (p.args[0]) (filters.reference ??= []).push(p.args[0]);
    const list = await ctx.client().images.list({ all: flagBool(p, "all"), filters });
    const trunc = !flagBool(p, "no-trunc");
    if (flagBool(p, "quiet")) {
      // One line per row, as docker prints them (an image with two tags shows twice).
      ctx.io.out(list.flatMap((i) => imageRows(i, { trunc })).map((r) => `${r.ID}\n`).join(""));
      return 0;
    }
    const rows = list.flatMap((i) => imageRows(i, { trunc }));
    const spec = flagBool(p, "digests") ? { ...IMAGES_FORMAT, defaultTable: IMAGES_DIGEST_TABLE } : IMAGES_FORMAT;
    ctx.io.out(renderRows(flagValue(p, "format"), rows, spec));
    return 0;
  },
};
