import { requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, flagValues, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]";

/** `berth commit`: POST /commit (the client has no wrapper for it, so the transport is used). */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Create a new image from a container's changes",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "author", short: "a", value: true }, { long: "change", short: "c", value: true, multi: true },
      { long: "message", short: "m", value: true }, { long: "pause", short: "p" },
    ], "commit", { interspersed: true });
    requireArgs(p, "commit", USAGE, { min: 1, max: 2 });
    const [container, target] = p.args as [string, string | undefined];
    let repo: string | undefined;
    let tag: string | undefined;
    if (target) {
      const slash = target.lastIndexOf("/");
      const colon = target.lastIndexOf(":");
      if (colon > slash) { repo = target.slice(0, colon); tag = target.slice(colon + 1); } else repo = target;
    }
    const res = await ctx.client().transport.json<{ Id: string }>("POST", "/commit", {
      query: {
        container, repo, tag, comment: flagValue(p, "message"), author: flagValue(p, "author"),
        pause: p.flags.has("pause") ? flagBool(p, "pause") : true, changes: flagValues(p, "change"),
      },
      body: {},
    });
    ctx.io.out(`${res.Id}\n`);
    return 0;
  },
};
