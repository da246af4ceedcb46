import { listProcesses } from "../lifecycle/ps.js";
import { invalidArgument } from "../../errors/EngineError.js";
import { expectPositionals, parseArgs, str } from "./args.js";
import type { Command } from "./io.js";

/** `ps [--format table|json] ID`: json is runc's array of pids; table adds each command line. */
export const psCommand: Command = async ({ ctx, io }, argv) => {
  const { options: o, positionals } = parseArgs(argv, { "--format": { key: "format", value: true }, "-f": { key: "format", value: true } }, { command: "ps" });
  const [id] = expectPositionals(positionals, ["ID"], "ps");
  const format = str(o.format) ?? "table";
  if (format !== "table" && format !== "json") throw invalidArgument(`ps: invalid --format ${JSON.stringify(format)} (table or json)`);
  const pids = await listProcesses(ctx, id);
  if (format === "json") {
    io.out(JSON.stringify(pids) + "\n");
    return 0;
  }
  let text = "PID\tCMD\n";
  for (const pid of pids) text += `${pid}\t${((await ctx.sys.procCmdline(pid)) ?? []).join(" ")}\n`;
  io.out(text);
  return 0;
};
