import { requireArgs } from "../../commandKit.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]";

export const command: CliCommand = {
  usage: USAGE,
  summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "tag", { interspersed: true });
    requireArgs(p, "tag", USAGE, { exact: 2 });
    const [source, target] = p.args as [string, string];
    const { parseReference, familiarName } = await import("../../../image/reference.js");
    const ref = parseReference(target); // "invalid reference format" before any request, as docker
    if (ref.digest) throw new Error("refusing to create a tag with a digest reference");
    await ctx.client().images.tag(source, familiarName(ref), ref.tag ?? "latest");
    return 0;
  },
};
