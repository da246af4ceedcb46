import { requireArgs } from "../../commandKit.js";
import { parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { configFile } from "../../registryAuth.js";

const USAGE = "logout [SERVER]";

/** `berth logout`: removes the server's entry from the client config (no daemon involved). */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Log out from a registry",
  async run(argv, ctx) {
    const p = parseFlags(argv, [], "logout", { interspersed: true });
    requireArgs(p, "logout", USAGE, { max: 1 });
    const { credentialKeyFor } = await import("../../../image/registry/hostConfig.js");
    const { removeCredentials } = await import("../../../image/registry/dockerConfig.js");
    const server = p.args[0];
    const key = server ? credentialKeyFor(server.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "")) : "https://index.docker.io/v1/";
    if (!(await removeCredentials(configFile(ctx.configDir), key))) {
      ctx.io.out(`Not logged in to ${key}\n`);
      return 0;
    }
    ctx.io.out(`Removing login credentials for ${key}\n`);
    return 0;
  },
};
