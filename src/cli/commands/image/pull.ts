import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { pullWithProgress } from "../../pullImage.js";

const USAGE = "pull [OPTIONS] NAME[:TAG|@DIGEST]";

/** `berth pull`: progress bars on a terminal, plain lines otherwise, then the full reference. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Download an image from a registry",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "all-tags", short: "a" }, { long: "quiet", short: "q" }, { long: "platform", value: true }, { long: "disable-content-trust" }], "pull", { interspersed: true });
    requireArgs(p, "pull", USAGE, { exact: 1 });
    if (flagBool(p, "all-tags")) throw new StatusError("pull --all-tags: not supported by berth's daemon", 1);
    const image = p.args[0]!;
    const { formatReference, normalizeReference } = await import("../../../image/reference.js");
    const canonical = formatReference(normalizeReference(image));
    const platform = flagValue(p, "platform");
    await pullWithProgress(ctx, image, { out: ctx.stdout, quiet: flagBool(p, "quiet"), ...(platform ? { platform } : {}) });
    ctx.io.out(`${canonical}\n`);
    return 0;
  },
};
