import { requireArgs } from "../../commandKit.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import { inspectAll } from "../../inspectOutput.js";
import type { CliCommand } from "../../io.js";
import { EngineError, notFound } from "../../../errors/EngineError.js";
import { StatusError } from "../../errors.js";

const USAGE = "inspect [OPTIONS] NAME|ID [NAME|ID...]";

/** `berth inspect`: a container or else an image of that name ("No such object" when neither). */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Return low-level information on Docker objects",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "format", short: "f", value: true }, { long: "size", short: "s" }, { long: "type", value: true }], "inspect", { interspersed: true });
    requireArgs(p, "inspect", USAGE, { min: 1 });
    const type = flagValue(p, "type");
    if (type && type !== "container" && type !== "image") throw new StatusError(`"${type}" is not a valid value for --type`, 1);
    const client = ctx.client();
    const missing = (e: unknown) => e instanceof EngineError && e.kind === "NotFound";
    return inspectAll(ctx, p.args, flagValue(p, "format"), async (name) => {
      if (type !== "image") {
        try {
          return await client.containers.inspect(name, { size: flagBool(p, "size") });
        } catch (e) {
          if (!missing(e)) throw e;
          if (type === "container") throw notFound(`No such container: ${name}`);
        }
      }
      try {
        return await client.images.inspect(name);
      } catch (e) {
        if (!missing(e)) throw e;
        throw notFound(type === "image" ? `No such image: ${name}` : `No such object: ${name}`);
      }
    });
  },
};
