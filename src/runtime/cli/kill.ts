import { killContainer } from "../lifecycle/kill.js";
import { bool, expectPositionals, parseArgs } from "./args.js";
import type { Command } from "./io.js";

/** `kill [--all] ID [SIGNAL]` (default SIGTERM). */
export const killCommand: Command = async ({ ctx }, argv) => {
  const { options: o, positionals } = parseArgs(argv, { "--all": { key: "all" }, "-a": { key: "all" } }, { command: "kill" });
  const [id, signal] = expectPositionals(positionals, ["ID", "SIGNAL"], "kill", 1);
  await killContainer(ctx, id, { signal: signal ?? "SIGTERM", all: bool(o.all) });
  return 0;
};
