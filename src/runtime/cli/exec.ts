import { readFile } from "node:fs/promises";
import { execInContainer, type ExecOptions } from "../lifecycle/exec.js";
import { invalidArgument } from "../../errors/EngineError.js";
import { bool, list, parseArgs, str } from "./args.js";
import { checkPreserveFds } from "./create.js";
import { forwardSignals } from "./forwardSignals.js";
import type { Command } from "./io.js";

const EXEC_FLAGS = {
  "--process": { key: "process", value: true },
  "-p": { key: "process", value: true },
  "--detach": { key: "detach" },
  "-d": { key: "detach" },
  "--pid-file": { key: "pidFile", value: true },
  "--tty": { key: "tty" },
  "-t": { key: "tty" },
  "--console-socket": { key: "consoleSocket", value: true },
  "--cwd": { key: "cwd", value: true },
  "--env": { key: "env", value: true, multi: true },
  "-e": { key: "env", value: true, multi: true },
  "--user": { key: "user", value: true },
  "-u": { key: "user", value: true },
  "--additional-gids": { key: "gids", value: true, multi: true },
  "-g": { key: "gids", value: true, multi: true },
  "--preserve-fds": { key: "preserveFds", value: true },
};

/** "uid[:gid]", numeric (names would need the container's /etc/passwd). */
function parseUser(v: string): { uid: number; gid: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(v);
  if (!m) throw invalidArgument(`exec: --user: expected uid[:gid] as numbers, got ${JSON.stringify(v)}`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? 0) };
}

/** `exec [flags] ID [ARGS...]`: foreground exits with the process's code. */
export const execCommand: Command = async ({ ctx }, argv) => {
  const { options: o, positionals } = parseArgs(argv, EXEC_FLAGS, { command: "exec", stopAtPositional: true });
  const [id, ...args] = positionals;
  if (!id) throw invalidArgument("exec: missing ID argument (usage: exec [flags] ID [ARGS...])");
  checkPreserveFds(str(o.preserveFds));
  const opts: ExecOptions = { detach: bool(o.detach), pidFile: str(o.pidFile), consoleSocket: str(o.consoleSocket), stdio: "inherit" };
  const processFile = str(o.process);
  if (processFile) {
    if (args.length) throw invalidArgument("exec: give either --process or a command, not both");
    const text = await readFile(processFile, "utf8").catch((e: Error) => {
      throw invalidArgument(`exec: --process ${processFile}: ${e.message}`);
    });
    try {
      opts.process = JSON.parse(text);
    } catch (e) {
      throw invalidArgument(`exec: --process ${processFile}: invalid JSON: ${(e as Error).message}`);
    }
  } else {
    opts.args = args;
    opts.cwd = str(o.cwd);
    opts.env = list(o.env);
    opts.terminal = bool(o.tty);
    if (str(o.user)) opts.user = parseUser(str(o.user)!);
    if (list(o.gids).length) opts.additionalGids = list(o.gids).map((g) => {
      if (!/^\d+$/.test(g)) throw invalidArgument(`exec: --additional-gids: expected a number, got ${JSON.stringify(g)}`);
      return Number(g);
    });
  }
  const fwd = opts.detach ? undefined : forwardSignals(ctx.sys);
  opts.onStarted = (pid) => fwd?.setPid(pid);
  try {
    const r = await execInContainer(ctx, id, opts);
    return opts.detach ? 0 : r.exitCode ?? 255;
  } finally {
    fwd?.stop();
  }
};
