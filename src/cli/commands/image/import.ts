import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagValue, flagValues, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]";

/** `berth import`: a root filesystem tar (file or stdin) becomes an image; prints its ID. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Import the contents from a tarball to create a filesystem image",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "change", short: "c", value: true, multi: true }, { long: "message", short: "m", value: true }, { long: "platform", value: true }], "import", { interspersed: true });
    requireArgs(p, "import", USAGE, { min: 1, max: 2 });
    const [src, target] = p.args as [string, string | undefined];
    if (/^https?:\/\//.test(src)) throw new StatusError("import from a URL is not supported by berth; download the file and import it", 1);
    const source: Readable = src === "-" ? ctx.stdin : createReadStream(src);
    let repo: string | undefined;
    let tag: string | undefined;
    if (target) {
      const slash = target.lastIndexOf("/");
      const colon = target.lastIndexOf(":");
      if (colon > slash) { repo = target.slice(0, colon); tag = target.slice(colon + 1); } else repo = target;
    }
    const message = flagValue(p, "message");
    const platform = flagValue(p, "platform");
    const messages = await ctx.client().images.import(source, { ...(repo ? { repo } : {}), ...(tag ? { tag } : {}), ...(message ? { message } : {}), ...(platform ? { platform } : {}), changes: flagValues(p, "change") });
    for await (const m of messages) if (m.status) ctx.io.out(`${m.status}\n`);
    return 0;
  },
};
