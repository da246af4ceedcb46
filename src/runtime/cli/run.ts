import { runContainer } from "../lifecycle/run.js";
import { bool, expectPositionals, parseArgs, str } from "./args.js";
import { CREATE_FLAGS, checkPreserveFds } from "./create.js";
import { forwardSignals } from "./forwardSignals.js";
import type { Command } from "./io.js";

/**
 * `run [--bundle B] [-d] [--pid-file F] [--console-socket S] ID`: foreground runs pass stdio
 * through, forward signals, wait, delete the container and exit with its code.
 */
export const runCommand: Command = async ({ ctx, io }, argv) => {
  const flags = { ...CREATE_FLAGS, "--detach": { key: "detach" }, "-d": { key: "detach" } };
  const { options: o, positionals } = parseArgs(argv, flags, { command: "run" });
  const [id] = expectPositionals(positionals, ["ID"], "run");
  checkPreserveFds(str(o.preserveFds));
  const detach = bool(o.detach);
  const fwd = detach ? undefined : forwardSignals(ctx.sys);
  try {
    const r = await runContainer(ctx, {
      id,
      bundle: str(o.bundle) ?? ".",
      pidFile: str(o.pidFile),
      consoleSocket: str(o.consoleSocket),
      noPivot: bool(o.noPivot),
      stdio: "inherit",
      detach,
      onStarted: (pid) => fwd?.setPid(pid),
    });
    for (const w of r.warnings) io.warn(w);
    return detach ? 0 : r.exitCode ?? 255;
  } finally {
    fwd?.stop();
  }
};
