import { requireArgs } from "../../commandKit.js";
import { errorText, ReportedError } from "../../errors.js";
import { flagBool, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "rmi [OPTIONS] IMAGE [IMAGE...]";

/** `berth rmi`: prints docker's Untagged:/Deleted: lines; errors per image, exit 1 if any. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Remove one or more images",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "force", short: "f" }, { long: "no-prune" }], "rmi", { interspersed: true });
    requireArgs(p, "rmi", USAGE, { min: 1 });
    const client = ctx.client();
    const errors: string[] = [];
    for (const name of p.args) {
      try {
        const items = await client.images.remove(name, { force: flagBool(p, "force"), noprune: flagBool(p, "no-prune") });
        for (const it of items) ctx.io.out(it.Untagged !== undefined ? `Untagged: ${it.Untagged}\n` : `Deleted: ${it.Deleted}\n`);
      } catch (e) {
        errors.push(errorText(e));
      }
    }
    if (errors.length) {
      ctx.io.err(errors.join("\n") + "\n");
      throw new ReportedError(1);
    }
    return 0;
  },
};
