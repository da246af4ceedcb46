import { runSession } from "../../attachSession.js";
import { forEachArg, requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { proxySignals } from "../../signals.js";

const USAGE = "start [OPTIONS] CONTAINER [CONTAINER...]";

/** `berth start`: start and print each name; with -a attach first and exit with the container's code. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Start one or more stopped containers",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "attach", short: "a" }, { long: "interactive", short: "i" }, { long: "detach-keys", value: true }], "start", { interspersed: true });
    requireArgs(p, "start", USAGE, { min: 1 });
    const client = ctx.client();
    const attach = flagBool(p, "attach") || flagBool(p, "interactive");
    if (!attach) return forEachArg(ctx, p.args, async (c) => { await client.containers.start(c); return c; });
    if (p.args.length > 1) throw new StatusError("you cannot start and attach multiple containers at once", 1);
    const name = p.args[0]!;
    const info = await client.containers.inspect(name);
    const stdin = flagBool(p, "interactive") && Boolean(info.Config.OpenStdin);
    if (stdin && info.Config.Tty && !ctx.stdin.isTTY) throw new StatusError("the input device is not a TTY", 1);
    const keys = flagValue(p, "detach-keys");
    const stream = await client.containers.attach(info.Id, { stream: true, stdin, stdout: true, stderr: true, ...(keys ? { detachKeys: keys } : {}) });
    let ready!: () => void;
    const registered = new Promise<void>((r) => (ready = r));
    const waiting = client.containers.wait(info.Id, { condition: "next-exit", onReady: () => ready() });
    await Promise.race([registered, waiting]);
    try {
      await client.containers.start(info.Id);
    } catch (e) {
      stream.destroy();
      throw e;
    }
    const release = info.Config.Tty ? () => {} : proxySignals((s) => client.containers.kill(info.Id, s));
    try {
      const [result] = await Promise.all([waiting, runSession(ctx, stream, { stdin, tty: Boolean(info.Config.Tty), resize: (h, w) => client.containers.resize(info.Id, h, w) })]);
      return result.StatusCode;
    } finally {
      release();
    }
  },
};
