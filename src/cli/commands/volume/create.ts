import type { VolumeCreateRequest } from "../../../api/types/volume.js";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagValue, flagValues, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "volume create [OPTIONS] [VOLUME]";

/** docker's MapOpts: `k=v` (a bare `k` is `k=""`), later values win. */
function mapValues(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? "" : v.slice(eq + 1);
  }
  return out;
}

/** `berth volume create`: the name from the argument (or the hidden --name), the created name printed. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Create a volume",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "driver", short: "d", value: true }, { long: "opt", short: "o", value: true, multi: true },
      { long: "label", value: true, multi: true }, { long: "name", value: true },
    ], "volume create", { interspersed: true });
    requireArgs(p, "volume create", USAGE, { max: 1 });
    const flagName = flagValue(p, "name");
    if (p.args.length === 1 && flagName !== undefined && flagName !== "") {
      throw new StatusError("conflicting options: cannot specify a volume-name through both --name and as a positional arg", 1);
    }
    const request: VolumeCreateRequest = {
      Name: p.args[0] ?? flagName ?? "",
      Driver: flagValue(p, "driver") ?? "local",
      DriverOpts: mapValues(flagValues(p, "opt")),
      Labels: mapValues(flagValues(p, "label")),
    };
    const v = await ctx.client().volumes.create(request);
    ctx.io.out(`${v.Name}\n`);
    return 0;
  },
};
