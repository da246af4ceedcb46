import { invalidArgument } from "../../errors/EngineError.js";
import { parseFlags } from "../flags.js";
import type { CliCommand } from "../io.js";

/** `berth tag SOURCE TARGET`. */
export const tagCommand: CliCommand = {
  summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "tag");
    if (p.args.length !== 2) throw invalidArgument('"berth tag" requires exactly 2 arguments.\nUsage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]');
    const engine = await ctx.engine();
    await engine.images.tag(p.args[0]!, p.args[1]!);
    return 0;
  },
};
