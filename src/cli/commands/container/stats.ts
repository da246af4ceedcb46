import { flagBool, flagValue, parseFlags } from "../../flags.js";
import { renderRows } from "../../formatter.js";
import type { CliCommand, CliContext } from "../../io.js";
import { STATS_FORMAT, statsRow } from "../../statsRows.js";

const USAGE = "stats [OPTIONS] [CONTAINER...]";

async function sample(ctx: CliContext, names: string[], trunc: boolean) {
  const client = ctx.client();
  return Promise.all(names.map(async (n) => {
    for await (const s of await client.containers.stats(n, { stream: false })) return statsRow(s, n, { trunc });
    throw new Error(`stats ${n}: the daemon sent no sample`);
  }));
}

/** `berth stats`: one table (--no-stream) or a table redrawn with every new sample. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Display a live stream of container(s) resource usage statistics",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "all", short: "a" }, { long: "no-stream" }, { long: "no-trunc" }, { long: "format", value: true }], "stats", { interspersed: true });
    const trunc = !flagBool(p, "no-trunc");
    const names = async () => (p.args.length ? p.args : (await ctx.client().containers.list({ all: flagBool(p, "all") })).map((c) => c.Id));
    const format = flagValue(p, "format");
    if (flagBool(p, "no-stream")) {
      ctx.io.out(renderRows(format, await sample(ctx, await names(), trunc), STATS_FORMAT));
      return 0;
    }
    let stop = false;
    const onInt = () => { stop = true; };
    process.once("SIGINT", onInt);
    try {
      while (!stop) {
        const rows = await sample(ctx, await names(), trunc);
        ctx.io.out(`${ctx.stdout.isTTY ? "\x1b[2J\x1b[H" : ""}${renderRows(format, rows, STATS_FORMAT)}`);
      }
    } finally {
      process.off("SIGINT", onInt);
    }
    return 0;
  },
};
