import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "port CONTAINER [PRIVATE_PORT[/PROTO]]";

/** `berth port`: the published ports from inspect (none until berth has port publishing). */
export const command: CliCommand = {
  usage: USAGE,
  summary: "List port mappings or a specific mapping for the container",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "port", { interspersed: true });
    requireArgs(p, "port", USAGE, { min: 1, max: 2 });
    const info = await ctx.client().containers.inspect(p.args[0]!);
    const ports = info.NetworkSettings?.Ports ?? {};
    const want = p.args[1];
    const key = want ? (want.includes("/") ? want : `${want}/tcp`) : undefined;
    const lines: string[] = [];
    for (const [port, bindings] of Object.entries(ports).sort()) {
      if (key && port !== key) continue;
      for (const b of bindings ?? []) lines.push(key ? `${b.HostIp || "0.0.0.0"}:${b.HostPort}` : `${port} -> ${b.HostIp || "0.0.0.0"}:${b.HostPort}`);
    }
    if (key && lines.length === 0) throw new StatusError(`Error: No public port '${key}' published for ${p.args[0]}`, 1);
    ctx.io.out(lines.map((l) => l + "\n").join(""));
    return 0;
  },
};
