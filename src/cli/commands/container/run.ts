import type { HijackedStream } from "../../../client/hijacked-stream.js";
import { runSession } from "../../attachSession.js";
import { requireArgs } from "../../commandKit.js";
import { buildCreatePlan, CREATE_FLAGS } from "../../containerConfig.js";
import { createContainer, printWarnings } from "../../createContainer.js";
import { errorText, StatusError } from "../../errors.js";
import { flagBool, flagValue, parseFlags } from "../../flags.js";
import type { CliCommand } from "../../io.js";
import { proxySignals } from "../../signals.js";

const USAGE = "run [OPTIONS] IMAGE [COMMAND] [ARG...]";

/** docker's runStartContainerErr: which exit code a failed start means. */
export function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 125;
}

/**
 * `berth run`: create (pulling a missing image), attach, register the wait, start, stream until
 * the container exits, and exit with its code; -d prints the ID instead.
 */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Create and run a new container from an image",
  async run(argv, ctx) {
    const p = parseFlags(argv, [...CREATE_FLAGS, { long: "detach", short: "d" }, { long: "sig-proxy", value: false }], "run");
    requireArgs(p, "run", USAGE, { min: 1 });
    const detach = flagBool(p, "detach");
    const terminal = { stdinTty: Boolean(ctx.stdin.isTTY), ...(ctx.stdout.isTTY && ctx.stdout.rows ? { size: [ctx.stdout.rows, ctx.stdout.columns ?? 80] as [number, number] } : {}) };
    const plan = buildCreatePlan(p, "run", ctx.env, { detach, terminal });
    const cfg = plan.body;
    if (cfg.AttachStdin && cfg.Tty && !ctx.stdin.isTTY) throw new StatusError("the input device is not a TTY", 1);
    const client = ctx.client();
    const created = await createContainer(ctx, plan, { pull: flagValue(p, "pull") ?? "missing", quiet: flagBool(p, "quiet"), command: "run" });
    printWarnings(ctx, created.Warnings);
    const id = created.Id;
    if (detach) {
      try {
        await client.containers.start(id);
      } catch (e) {
        throw new StatusError(`berth: ${errorText(e)}.`, startFailureCode(errorText(e)));
      }
      ctx.io.out(`${id}\n`);
      return 0;
    }

    let stream: HijackedStream | undefined;
    if (cfg.AttachStdin || cfg.AttachStdout || cfg.AttachStderr) {
      stream = await client.containers.attach(id, { stream: true, stdin: cfg.AttachStdin, stdout: cfg.AttachStdout, stderr: cfg.AttachStderr, ...(flagValue(p, "detach-keys") ? { detachKeys: flagValue(p, "detach-keys")! } : {}) });
    }
    // The wait is registered before the start, so a container that exits at once is not missed.
    let ready!: () => void;
    const registered = new Promise<void>((r) => (ready = r));
    const stopWaiting = new AbortController();
    const waiting = client.containers.wait(id, { condition: cfg.HostConfig?.AutoRemove ? "removed" : "next-exit", onReady: () => ready(), signal: stopWaiting.signal });
    await Promise.race([registered, waiting]);
    try {
      await client.containers.start(id);
    } catch (e) {
      stream?.destroy();
      stopWaiting.abort();
      await waiting.catch(() => undefined);
      const text = errorText(e);
      // --rm: a container that never ran is removed here (a daemon may keep it after a failed start).
      if (cfg.HostConfig?.AutoRemove) await client.containers.remove(id, { force: true }).catch(() => undefined);
      throw new StatusError(`berth: ${text}.`, startFailureCode(text));
    }
    const sigProxy = p.flags.has("sig-proxy") ? flagBool(p, "sig-proxy") : true;
    const release = sigProxy && !cfg.Tty ? proxySignals((s) => client.containers.kill(id, s)) : () => {};
    try {
      const session = stream ? runSession(ctx, stream, { stdin: Boolean(cfg.AttachStdin), tty: Boolean(cfg.Tty), resize: (h, w) => client.containers.resize(id, h, w) }) : Promise.resolve();
      const [result] = await Promise.all([waiting, session]);
      if (result.Error?.Message) ctx.io.err(`berth: ${result.Error.Message}\n`);
      return result.StatusCode;
    } finally {
      release();
    }
  },
};
