import type { NetworkCreateRequest } from "../../../api/types/network.js";
import { versionAtLeast } from "../../../api/version.js";
import { EngineError } from "../../../errors/EngineError.js";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagBool, flagValue, flagValues, parseFlags, type Parsed } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { ipamConfigs } from "./ipamConfig.js";

const USAGE = "network create [OPTIONS] NETWORK";

/** pflag's string-slice flags: every value may hold several, comma-separated. */
const sliceValues = (p: Parsed, long: string) => flagValues(p, long).flatMap((v) => v.split(",")).filter((v) => v !== "");

/** docker's MapOpts: `k=v` (a bare `k` is `k=""`), later values win. */
function mapValues(p: Parsed, long: string): [string, string][] {
  return flagValues(p, long).map((v) => {
    const eq = v.indexOf("=");
    return eq < 0 ? [v, ""] : [v.slice(0, eq), v.slice(eq + 1)];
  });
}

/** `berth network create`: the request docker's CLI sends (IPAM grouped per subnet), the new ID printed. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Create a network",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "driver", short: "d", value: true }, { long: "opt", short: "o", value: true, multi: true },
      { long: "label", value: true, multi: true }, { long: "internal" }, { long: "ipv4" }, { long: "ipv6" }, { long: "attachable" },
      { long: "ingress" }, { long: "scope", value: true }, { long: "config-only" }, { long: "config-from", value: true },
      { long: "ipam-driver", value: true }, { long: "ipam-opt", value: true, multi: true }, { long: "subnet", value: true, multi: true },
      { long: "ip-range", value: true, multi: true }, { long: "gateway", value: true, multi: true }, { long: "aux-address", value: true, multi: true },
    ], "network create", { interspersed: true });
    requireArgs(p, "network create", USAGE, { exact: 1 });
    let config;
    try {
      config = ipamConfigs({
        subnets: sliceValues(p, "subnet"), ipRanges: sliceValues(p, "ip-range"), gateways: sliceValues(p, "gateway"),
        auxAddresses: mapValues(p, "aux-address"),
      });
    } catch (e) {
      if (e instanceof EngineError) throw new StatusError(e.message, 1);
      throw e;
    }
    const request: NetworkCreateRequest = {
      Name: p.args[0]!,
      Driver: flagValue(p, "driver") ?? "bridge",
      Scope: flagValue(p, "scope") ?? "",
      IPAM: { Driver: flagValue(p, "ipam-driver") ?? "default", Options: Object.fromEntries(mapValues(p, "ipam-opt")), Config: config },
      Internal: flagBool(p, "internal"),
      Attachable: flagBool(p, "attachable"),
      Ingress: flagBool(p, "ingress"),
      ConfigOnly: flagBool(p, "config-only"),
      Options: Object.fromEntries(mapValues(p, "opt")),
      Labels: Object.fromEntries(mapValues(p, "label")),
    };
    // Sent only when given, so the daemon's defaults apply otherwise (IPv6 is refused by berthd).
    if (p.flags.has("ipv4")) request.EnableIPv4 = flagBool(p, "ipv4");
    if (p.flags.has("ipv6")) request.EnableIPv6 = flagBool(p, "ipv6");
    const from = flagValue(p, "config-from");
    if (from) request.ConfigFrom = { Network: from };
    const client = ctx.client();
    // Before API 1.44 a daemon creates a second network of the same name unless asked not to (docker's client asks).
    if (!versionAtLeast(await client.apiVersion(), "1.44")) request.CheckDuplicate = true;
    const res = await client.networks.create(request);
    if (res.Warning) ctx.io.err(`WARNING: ${res.Warning}\n`);
    ctx.io.out(`${res.Id}\n`);
    return 0;
  },
};
