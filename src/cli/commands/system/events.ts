import { filterObject, requireArgs } from "../../commandKit.js";
import { flagValue, flagValues, parseFlags } from "../../flags.js";
import { renderObject } from "../../formatter.js";
import type { CliCommand } from "../../io.js";
import { timestampParam } from "../../timestamps.js";
import type { EventMessage } from "../../../api/types/system.js";

const USAGE = "events [OPTIONS]";

/** docker's default event line: `<time> <type> <action> <id> (k=v, ...)`. */
export function eventLine(e: EventMessage): string {
  const nanos = String(e.timeNano ?? e.time * 1e9);
  const secs = Number(nanos.slice(0, -9) || "0");
  const frac = nanos.slice(-9).padStart(9, "0");
  const time = new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
  const attrs = Object.keys(e.Actor?.Attributes ?? {}).sort().map((k) => `${k}=${e.Actor.Attributes[k]}`);
  return `${time} ${e.Type} ${e.Action} ${e.Actor?.ID ?? ""}${attrs.length ? ` (${attrs.join(", ")})` : ""}`;
}

export const command: CliCommand = {
  usage: USAGE,
  summary: "Get real time events from the server",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "filter", short: "f", value: true, multi: true }, { long: "format", value: true }, { long: "since", value: true }, { long: "until", value: true }], "events", { interspersed: true });
    requireArgs(p, "events", USAGE, { max: 0 });
    const since = flagValue(p, "since");
    const until = flagValue(p, "until");
    const format = flagValue(p, "format");
    const events = await ctx.client().events({ filters: filterObject(flagValues(p, "filter")), ...(since ? { since: timestampParam(since) } : {}), ...(until ? { until: timestampParam(until) } : {}) });
    for await (const e of events) {
      ctx.io.out(format === "json" ? `${JSON.stringify(e)}\n` : format ? renderObject(format, e) : `${eventLine(e)}\n`);
    }
    return 0;
  },
};
