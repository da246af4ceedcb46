import { runSession } from "../../attachSession.js";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { proxySignals } from "../../signals.js";

const USAGE = "attach [OPTIONS] CONTAINER";

/** `berth attach`: joins a running container's stdio; exits with its code when it stops. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Attach local standard input, output, and error streams to a running container",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "no-stdin" }, { long: "sig-proxy" }, { long: "detach-keys", value: true }], "attach", { interspersed: true });
    requireArgs(p, "attach", USAGE, { exact: 1 });
    const client = ctx.client();
    const info = await client.containers.inspect(p.args[0]!);
    if (!info.State.Running) throw new StatusError("You cannot attach to a stopped container, start it first", 1);
    if (info.State.Paused) throw new StatusError("You cannot attach to a paused container, unpause it first", 1);
    const stdin = !flagBool(p, "no-stdin") && Boolean(info.Config.OpenStdin);
    if (stdin && info.Config.Tty && !ctx.stdin.isTTY) throw new StatusError("the input device is not a TTY", 1);
    const keys = flagValue(p, "detach-keys");
    const stream = await client.containers.attach(info.Id, { stream: true, stdin, stdout: true, stderr: true, ...(keys ? { detachKeys: keys } : {}) });
    const waiting = client.containers.wait(info.Id, { condition: "not-running" });
    // Observed now: if the daemon dies mid-session this rejects before anyone awaits it, which
    // would be an unhandled rejection (a stack trace) instead of the session's own clear error.
    waiting.catch(() => undefined);
    const sigProxy = p.flags.has("sig-proxy") ? flagBool(p, "sig-proxy") : true;
    const release = sigProxy && !info.Config.Tty ? proxySignals((s) => client.containers.kill(info.Id, s)) : () => {};
    try {
      await runSession(ctx, stream, { stdin, tty: Boolean(info.Config.Tty), resize: (h, w) => client.containers.resize(info.Id, h, w) });
      // Detaching (detach keys) leaves the container running: exit 0 then, like docker.
      const now = await client.containers.inspect(info.Id);
      if (now.State.Running) return 0;
      return (await waiting).StatusCode;
    } finally {
      release();
    }
  },
};
