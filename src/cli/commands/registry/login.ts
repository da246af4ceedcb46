import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand, CliContext } from "../../io.js";
import { configFile } from "../../registryAuth.js";

const USAGE = "login [OPTIONS] [SERVER]";
const HUB = "https://index.docker.io/v1/";

/** Reads one line from stdin, without echo when it is a terminal. */
function readLine(ctx: CliContext, prompt: string, secret: boolean): Promise<string> {
  ctx.io.out(prompt);
  const input = ctx.stdin;
  const raw = secret && input.isTTY && input.setRawMode;
  if (raw) input.setRawMode!(true);
  return new Promise((resolve) => {
    let buf = "";
    const finish = () => {
      input.off("data", onData);
      input.off("end", finish);
      input.pause();
      if (raw) { input.setRawMode!(false); ctx.io.out("\n"); }
      resolve(buf.replace(/\r?\n.*$/s, ""));
    };
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      if (/[\r\n]/.test(buf)) finish();
    };
    input.on("data", onData);
    input.once("end", finish);
    input.resume();
  });
}

/** `berth login`: the daemon checks the credentials (POST /auth); they are stored like docker's. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Log in to a registry",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "username", short: "u", value: true }, { long: "password", short: "p", value: true }, { long: "password-stdin" }], "login", { interspersed: true });
    requireArgs(p, "login", USAGE, { max: 1 });
    const { credentialKeyFor } = await import("../../../image/registry/hostConfig.js");
    const { storeCredentials } = await import("../../../image/registry/dockerConfig.js");
    const server = p.args[0];
    const host = server ? server.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "") : "docker.io";
    const key = server ? credentialKeyFor(host) : HUB;
    let username = flagValue(p, "username");
    let password = flagValue(p, "password");
    if (password !== undefined) ctx.io.err("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (flagBool(p, "password-stdin")) {
      if (password !== undefined) throw new StatusError("--password and --password-stdin are mutually exclusive", 1);
      if (username === undefined) throw new StatusError("Must provide --username with --password-stdin", 1);
      const chunks: Buffer[] = [];
      for await (const c of ctx.stdin as AsyncIterable<Buffer>) chunks.push(c);
      password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
    }
    if (username === undefined || password === undefined) {
      if (!ctx.stdin.isTTY) throw new StatusError("Error: Cannot perform an interactive login from a non TTY device", 1);
      username ??= (await readLine(ctx, "Username: ", false)).trim();
      password ??= await readLine(ctx, "Password: ", true);
    }
    if (!username || !password) throw new StatusError("Error: Username and password are required", 1);
    const res = await ctx.client().auth({ username, password, serveraddress: key });
    // A registry that answers with an identity token gets that stored instead of the password, as docker does.
    const creds = res.IdentityToken ? { username, password: "", identityToken: res.IdentityToken } : { username, password };
    await storeCredentials(configFile(ctx.configDir), key, creds);
    ctx.io.out(`${res.Status || "Login Succeeded"}\n`);
    return 0;
  },
};
