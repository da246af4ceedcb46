import { pauseContainer } from "../lifecycle/pause.js";
import { expectPositionals, parseArgs } from "./args.js";
import type { Command } from "./io.js";

/** `pause ID` */
export const pauseCommand: Command = async ({ ctx }, argv) => {
  const [id] = expectPositionals(parseArgs(argv, {}, { command: "pause" }).positionals, ["ID"], "pause");
  await pauseContainer(ctx, id);
  return 0;
};
