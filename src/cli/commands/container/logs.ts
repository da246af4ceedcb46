import { requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { timestampParam } from "../../timestamps.js";

const USAGE = "logs [OPTIONS] CONTAINER";

/** `berth logs`: the container's output, stdout and stderr kept apart (TTY logs are raw). */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Fetch the logs of a container",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "follow", short: "f" }, { long: "tail", short: "n", value: true }, { long: "since", value: true },
      { long: "until", value: true }, { long: "timestamps", short: "t" }, { long: "details" },
    ], "logs", { interspersed: true });
    requireArgs(p, "logs", USAGE, { exact: 1 });
    const since = flagValue(p, "since");
    const until = flagValue(p, "until");
    const chunks = await ctx.client().containers.logs(p.args[0]!, {
      follow: flagBool(p, "follow"), tail: flagValue(p, "tail") ?? "all", timestamps: flagBool(p, "timestamps"),
      details: flagBool(p, "details"), ...(since ? { since: timestampParam(since) } : {}), ...(until ? { until: timestampParam(until) } : {}),
    });
    for await (const c of chunks) {
      const out = c.stream === "stderr" ? ctx.stderr : ctx.stdout;
      if (!out.write(c.data)) await new Promise((r) => out.once("drain", r));
    }
    return 0;
  },
};
