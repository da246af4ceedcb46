import { requireArgs } from "../../commandKit.js";
import { joinHostPort } from "../../containerRows.js";
import { StatusError } from "../../errors.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { naturalCompare } from "../../networkRows.js";

const USAGE = "port CONTAINER [PRIVATE_PORT[/PROTO]]";

/**
 * `berth port`: the published ports from inspect, as docker prints them ("80/tcp -> 0.0.0.0:32768",
 * naturally sorted), or the host addresses of one private port (tcp unless a proto is given).
 */
export const command: CliCommand = {
  usage: USAGE,
  summary: "List port mappings or a specific mapping for the container",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "port", { interspersed: true });
    requireArgs(p, "port", USAGE, { min: 1, max: 2 });
    const [container, want] = p.args as [string, string | undefined];
    const info = await ctx.client().containers.inspect(container);
    const ports = info.NetworkSettings?.Ports ?? {};
    const out: string[] = [];
    if (want) {
      const slash = want.indexOf("/");
      const port = slash < 0 ? want : want.slice(0, slash);
      const proto = (slash < 0 ? "" : want.slice(slash + 1)) || "tcp";
      if (!/^\d+$/.test(port) || Number(port) > 65535) {
        const why = /^\d+$/.test(port) ? "value out of range" : "invalid syntax";
        throw new StatusError(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: ${why}`, 1);
      }
      const frontends = ports[`${port}/${proto}`] ?? [];
      if (frontends.length === 0) throw new StatusError(`Error: No public port '${want}' published for ${container}`, 1);
      for (const f of frontends) out.push(joinHostPort(f.HostIp ?? "", f.HostPort ?? ""));
    } else {
      for (const [from, frontends] of Object.entries(ports)) {
        for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp ?? "", f.HostPort ?? "")}`);
      }
    }
    out.sort(naturalCompare);
    if (out.length) ctx.io.out(out.join("\n") + "\n");
    return 0;
  },
};
