import type { ExecConfig } from "../../../api/types/exec.js";
import { runSession } from "../../attachSession.js";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagBool, flagValue, flagValues, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";

const USAGE = "exec [OPTIONS] CONTAINER COMMAND [ARG...]";

/** `berth exec`: runs a process in a running container; exits with its code. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Execute a command in a running container",
  async run(argv, ctx) {
    const p = parseFlags(argv, [
      { long: "interactive", short: "i" }, { long: "tty", short: "t" }, { long: "detach", short: "d" },
      { long: "env", short: "e", value: true, multi: true }, { long: "env-file", value: true, multi: true },
      { long: "user", short: "u", value: true }, { long: "workdir", short: "w", value: true },
      { long: "privileged" }, { long: "detach-keys", value: true },
    ], "exec");
    requireArgs(p, "exec", USAGE, { min: 2 });
    const [container, ...cmd] = p.args as [string, ...string[]];
    const interactive = flagBool(p, "interactive");
    const tty = flagBool(p, "tty");
    const detach = flagBool(p, "detach");
    if (interactive && tty && !detach && !ctx.stdin.isTTY) throw new StatusError("the input device is not a TTY", 1);
    const env = flagValues(p, "env").map((e) => (e.includes("=") || ctx.env[e] === undefined ? e : `${e}=${ctx.env[e]}`));
    const config: ExecConfig = {
      AttachStdin: interactive && !detach, AttachStdout: !detach, AttachStderr: !detach, Tty: tty, Env: env, Cmd: cmd,
      Privileged: flagBool(p, "privileged"),
    };
    const user = flagValue(p, "user");
    if (user !== undefined) config.User = user;
    const workdir = flagValue(p, "workdir");
    if (workdir !== undefined) config.WorkingDir = workdir;
    const keys = flagValue(p, "detach-keys");
    if (keys !== undefined) config.DetachKeys = keys;
    if (tty && ctx.stdout.isTTY && ctx.stdout.rows) config.ConsoleSize = [ctx.stdout.rows, ctx.stdout.columns ?? 80];
    const client = ctx.client();
    const { Id } = await client.exec.create(container, config);
    if (detach) {
      await client.exec.startDetached(Id);
      return 0;
    }
    const stream = await client.exec.start(Id, { tty, ...(config.ConsoleSize ? { consoleSize: config.ConsoleSize as [number, number] } : {}) });
    await runSession(ctx, stream, { stdin: interactive, tty, resize: (h, w) => client.exec.resize(Id, h, w) });
    const info = await client.exec.inspect(Id);
    return info.ExitCode ?? 0;
  },
};
