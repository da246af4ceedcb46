import { requireArgs } from "../../commandKit.js";
import { flagBool, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { displayProgress } from "../../progressDisplay.js";
import { authFor } from "../../registryAuth.js";

const USAGE = "push [OPTIONS] NAME[:TAG]";

/** `berth push`: the local tag (":latest" unless given, or every tag with -a) to its registry. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Upload an image to a registry",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "all-tags", short: "a" }, { long: "quiet", short: "q" }, { long: "disable-content-trust" }], "push", { interspersed: true });
    requireArgs(p, "push", USAGE, { exact: 1 });
    const { parseReference, familiarName } = await import("../../../image/reference.js");
    const ref = parseReference(p.args[0]!);
    const allTags = flagBool(p, "all-tags");
    const tag = ref.tag ?? (allTags ? undefined : "latest");
    const auth = await authFor(ctx.configDir, p.args[0]!);
    const messages = await ctx.client().images.push(familiarName(ref), { ...(tag ? { tag } : {}), ...(auth ? { auth } : {}) });
    if (flagBool(p, "quiet")) {
      for await (const _ of messages) { /* errors still surface */ }
      ctx.io.out(`${familiarName(ref)}${tag ? `:${tag}` : ""}\n`);
      return 0;
    }
    await displayProgress(messages, ctx.stdout);
    return 0;
  },
};
