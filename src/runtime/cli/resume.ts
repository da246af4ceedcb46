import { resumeContainer } from "../lifecycle/resume.js";
import { expectPositionals, parseArgs } from "./args.js";
import type { Command } from "./io.js";

/** `resume ID` */
export const resumeCommand: Command = async ({ ctx }, argv) => {
  const [id] = expectPositionals(parseArgs(argv, {}, { command: "resume" }).positionals, ["ID"], "resume");
  await resumeContainer(ctx, id);
  return 0;
};
