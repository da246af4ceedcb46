import { startContainer } from "../lifecycle/start.js";
import { expectPositionals, parseArgs } from "./args.js";
import type { Command } from "./io.js";

/** `start ID` */
export const startCommand: Command = async ({ ctx, io }, argv) => {
  const [id] = expectPositionals(parseArgs(argv, {}, { command: "start" }).positionals, ["ID"], "start");
  const r = await startContainer(ctx, id);
  for (const w of r.warnings) io.warn(w);
  return 0;
};
