import { requireArgs } from "../../commandKit.js";
import { buildCreatePlan, CREATE_FLAGS } from "../../containerConfig.js";
import { createContainer, printWarnings } from "../../createContainer.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "create [OPTIONS] IMAGE [COMMAND] [ARG...]";

/** `berth create`: the container is made (image pulled if missing) and its ID printed. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Create a new container",
  async run(argv, ctx) {
    const p = parseFlags(argv, CREATE_FLAGS, "create");
    requireArgs(p, "create", USAGE, { min: 1 });
    const plan = buildCreatePlan(p, "create", ctx.env, { detach: false, terminal: { stdinTty: Boolean(ctx.stdin.isTTY) } });
    const created = await createContainer(ctx, plan, { pull: flagValue(p, "pull") ?? "missing", quiet: flagBool(p, "quiet"), command: "create" });
    printWarnings(ctx, created.Warnings);
    ctx.io.out(`${created.Id}\n`);
    return 0;
  },
};
