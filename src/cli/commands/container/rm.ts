import { forEachArg, requireArgs } from "../../commandKit.js";
import { flagBool, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "rm [OPTIONS] CONTAINER [CONTAINER...]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove one or more containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "force", short: "f" }, { long: "volumes", short: "v" }, { long: "link", short: "l" }], "rm", { interspersed: true });
    requireArgs(p, "rm", USAGE, { min: 1 });
    const client = ctx.client();
    return forEachArg(ctx, p.args, async (c) => {
      await client.containers.remove(c, { force: flagBool(p, "force"), volumes: flagBool(p, "volumes"), link: flagBool(p, "link") });
      return c;
    });
  },
};
