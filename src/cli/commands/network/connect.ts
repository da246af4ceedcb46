import type { EndpointSettings } from "../../../api/types/network.js";
import { EngineError } from "../../../errors/EngineError.js";
import { requireArgs } from "../../commandKit.js";
import { flagError, StatusError } from "../../errors.js";
import { flagInt, flagValue, flagValues, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { endpointSettings, isValidMac, parseDriverOpts } from "./endpointOptions.js";

const USAGE = "network connect [OPTIONS] NETWORK CONTAINER";
const COMMAND = "network connect";

/** `berth network connect`: the endpoint settings docker's CLI sends (--ip, --alias, --driver-opt, ...). */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Connect a container to a network",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "ip", value: true }, { long: "ip6", value: true }, { long: "alias", value: true, multi: true },
      { long: "driver-opt", value: true, multi: true }, { long: "link-local-ip", value: true, multi: true },
      { long: "gw-priority", value: true }, { long: "mac-address", value: true }, { long: "link", value: true, multi: true },
    ], COMMAND, { interspersed: true });
    requireArgs(p, COMMAND, USAGE, { exact: 2 });
    // Legacy links exist only on docker's default bridge; berth resolves names on user-defined networks instead.
    if (flagValues(p, "link").length) throw flagError("--link is not supported by berth: containers on a user-defined network reach each other by name or --alias", COMMAND);
    const [network, container] = p.args as [string, string];
    const mac = flagValue(p, "mac-address");
    if (mac && !isValidMac(mac)) throw new StatusError(`invalid MAC address: ${JSON.stringify(mac)}`, 1);
    let ep: EndpointSettings;
    try {
      ep = endpointSettings({
        target: network,
        aliases: flagValues(p, "alias").flatMap((a) => a.split(",")).filter((a) => a !== ""),
        linkLocalIPs: flagValues(p, "link-local-ip").flatMap((a) => a.split(",")).filter((a) => a !== ""),
        ...(flagValue(p, "ip") ? { ipv4: flagValue(p, "ip")! } : {}),
        ...(flagValue(p, "ip6") ? { ipv6: flagValue(p, "ip6")! } : {}),
        ...(flagValue(p, "mac-address") ? { mac: flagValue(p, "mac-address")! } : {}),
        ...(p.flags.has("gw-priority") ? { gwPriority: flagInt(p, "gw-priority", COMMAND)! } : {}),
      }, { builtinAliasCheck: false });
      const opts = parseDriverOpts(flagValues(p, "driver-opt").flatMap((o) => o.split(",")));
      if (opts) ep.DriverOpts = opts;
    } catch (e) {
      if (e instanceof EngineError) throw new StatusError(e.message, 1);
      throw e;
    }
    await ctx.client().networks.connect(network, { Container: container, EndpointConfig: ep });
    return 0;
  },
};
