import { arch, platform } from "node:os";
import { StatusError } from "../../errors.js";
import { flagValue, parseFlags } from "../../flags.js";
import { renderObject } from "../../formatter.js";
import type { CliCommand } from "../../io.js";
import { CLI_VERSION } from "../../main.js";
import type { Version } from "../../../api/types/system.js";
import { MAX_API_VERSION } from "../../../api/version.js";

const USAGE = "version [OPTIONS]";
const GOARCH: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" };

/** `berth version`: the client's facts, then the daemon's (/version), docker's layout. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Show the Docker version information",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "format", short: "f", value: true }], "version", { interspersed: true });
    const client = ctx.client();
    const clientInfo = {
      Version: CLI_VERSION, ApiVersion: MAX_API_VERSION, DefaultAPIVersion: MAX_API_VERSION, GitCommit: "", GoVersion: `node ${process.version}`,
      Os: platform(), Arch: GOARCH[arch()] ?? arch(), BuildTime: "", Context: "default",
    };
    let server: Version | undefined;
    let failure: unknown;
    try {
      server = await client.version();
      clientInfo.ApiVersion = await client.apiVersion();
    } catch (e) {
      failure = e;
    }
    const format = flagValue(p, "format");
    if (format) {
      ctx.io.out(renderObject(format, { Client: clientInfo, Server: server ?? null }));
    } else {
      const c = clientInfo;
      let text = `Client:\n Version:           ${c.Version}\n API version:       ${c.ApiVersion}${c.ApiVersion !== c.DefaultAPIVersion ? ` (downgraded from ${c.DefaultAPIVersion})` : ""}\n Go version:        ${c.GoVersion}\n OS/Arch:           ${c.Os}/${c.Arch}\n Context:           ${c.Context}\n`;
      if (server) {
        text += `\nServer: ${server.Platform?.Name ?? ""}\n`;
        for (const comp of server.Components ?? []) {
          const d = comp.Details ?? {};
          text += ` ${comp.Name}:\n  Version:          ${comp.Version}\n`;
          if (comp.Name === "Engine") {
            text += `  API version:      ${server.ApiVersion} (minimum version ${server.MinAPIVersion})\n  Go version:       ${server.GoVersion}\n  Git commit:       ${server.GitCommit}\n  Built:            ${server.BuildTime}\n  OS/Arch:          ${server.Os}/${server.Arch}\n  Experimental:     ${d.Experimental ?? "false"}\n`;
          } else if (d.GitCommit) text += `  GitCommit:        ${d.GitCommit}\n`;
        }
      }
      ctx.io.out(text);
    }
    if (failure) throw failure instanceof Error ? failure : new StatusError(String(failure), 1);
    return 0;
  },
};
