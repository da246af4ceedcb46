import { requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import { ellipsis, humanDuration, humanSize, shortId } from "../../format.js";
import { renderRows, type FormatSpec } from "../../formatter.js";
import type { CliCommand } from "../../io.js";
import { STRICT } from "../../template/execute.js";
import { goTime } from "../../containerRows.js";

const USAGE = "history [OPTIONS] IMAGE";
const SPEC: FormatSpec = {
  defaultTable: "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
  headers: { ID: "IMAGE", CreatedSince: "CREATED", CreatedAt: "CREATED AT", CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT" },
};

export const command: CliCommand = {
  usage: USAGE,
  summary: "Show the history of an image",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "human", short: "H" }, { long: "no-trunc" }, { long: "quiet", short: "q" }, { long: "format", value: true }], "history", { interspersed: true });
    requireArgs(p, "history", USAGE, { exact: 1 });
    const rows = await ctx.client().images.history(p.args[0]!);
    const trunc = !flagBool(p, "no-trunc");
    const human = p.flags.has("human") ? flagBool(p, "human") : true;
    if (flagBool(p, "quiet")) {
      ctx.io.out(rows.map((r) => `${trunc && r.Id !== "<missing>" ? shortId(r.Id) : r.Id}\n`).join(""));
      return 0;
    }
    const now = Date.now();
    const out = rows.map((r) => ({
      [STRICT]: "*formatter.historyContext",
      ID: trunc && r.Id !== "<missing>" ? shortId(r.Id) : r.Id,
      CreatedSince: human ? `${humanDuration(Math.max(0, now - r.Created * 1000))} ago` : goTime(r.Created),
      CreatedAt: goTime(r.Created),
      CreatedBy: trunc ? ellipsis(r.CreatedBy.replace(/\t/g, " "), 45) : r.CreatedBy,
      Size: human ? humanSize(r.Size) : String(r.Size),
      Comment: r.Comment,
    }));
    ctx.io.out(renderRows(flagValue(p, "format"), out, SPEC));
    return 0;
  },
};
