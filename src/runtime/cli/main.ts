import { appendFileSync } from "node:fs";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import type { RuntimeContext } from "../RuntimeContext.js";
import { DEFAULT_RUNTIME_ROOT } from "../RuntimeContext.js";
import { parseArgs, str, bool } from "./args.js";
import type { CliIo, Command } from "./io.js";
import { notImplemented } from "../errorsLocal.js";

/**
 * Subcommands, each loaded on first use: a one-shot CLI pays Node's module loading for every
 * file it imports (~0.4 ms each here), and one invocation runs one command.
 */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  create: () => import("./create.js").then((m) => m.createCommand),
  start: () => import("./start.js").then((m) => m.startCommand),
  state: () => import("./state.js").then((m) => m.stateCommand),
  kill: () => import("./kill.js").then((m) => m.killCommand),
  delete: () => import("./delete.js").then((m) => m.deleteCommand),
  run: () => import("./run.js").then((m) => m.runCommand),
  exec: () => import("./exec.js").then((m) => m.execCommand),
  ps: () => import("./ps.js").then((m) => m.psCommand),
  list: () => import("./list.js").then((m) => m.listCommand),
  pause: () => import("./pause.js").then((m) => m.pauseCommand),
  resume: () => import("./resume.js").then((m) => m.resumeCommand),
  spec: () => import("./spec.js").then((m) => m.specCommand),
  features: () => import("./features.js").then((m) => m.featuresCommand),
  update: () => import("./update.js").then((m) => m.updateCommand),
};

const GLOBAL_FLAGS = {
  "--root": { key: "root", value: true },
  "--log": { key: "log", value: true },
  "--log-format": { key: "logFormat", value: true },
  "--debug": { key: "debug" },
  "--systemd-cgroup": { key: "systemdCgroup" },
  "--rootless": { key: "rootless", value: true },
  "--help": { key: "help" },
  "-h": { key: "help" },
  "--version": { key: "version" },
  "-v": { key: "version" },
};

export const USAGE = `usage: berth-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [ARGS]
commands: ${Object.keys(COMMANDS).join(", ")}
`;

export interface MainDeps {
  /** Builds the runtime for a state root (the composition root decides the implementations). */
  makeContext(root: string): RuntimeContext;
  io: CliIo;
  /** One-line error output. */
  error(line: string): void;
}

/**
 * runc's interface: global flags, then a subcommand. Returns the exit code: 0, 1 on any error
 * (printed as one line, and appended to --log if given), or the container's code for
 * foreground run/exec.
 */
export async function main(argv: string[], deps: MainDeps): Promise<number> {
  let logFile: string | undefined;
  let logJson = false;
  try {
    const { options: g, positionals } = parseArgs(argv, GLOBAL_FLAGS, { command: "global flags", stopAtPositional: true });
    logFile = str(g.log);
    logJson = str(g.logFormat) === "json";
    if (g.logFormat !== undefined && !["text", "json"].includes(str(g.logFormat)!)) throw invalidArgument(`global flags: --log-format: expected text or json, got ${JSON.stringify(g.logFormat)}`);
    if (bool(g.systemdCgroup)) throw notImplemented("global flags: --systemd-cgroup is not supported (cgroupfs only)");
    if (bool(g.version)) {
      deps.io.out("berth-runtime version 0.1.0\nspec: 1.0.2\n");
      return 0;
    }
    const [name, ...rest] = positionals;
    if (bool(g.help) || !name) {
      deps.io.out(USAGE);
      return name || bool(g.help) ? 0 : 1;
    }
    const load = COMMANDS[name];
    if (!load) throw invalidArgument(`unknown command ${JSON.stringify(name)}`);
    const cmd = await load();
    // Built on first use: `spec` needs no runtime (and must work where cgroups are not mounted).
    const root = str(g.root) ?? DEFAULT_RUNTIME_ROOT;
    let ctx: RuntimeContext | undefined;
    return await cmd({ io: deps.io, get ctx() { return (ctx ??= deps.makeContext(root)); } }, rest);
  } catch (e) {
    const msg = e instanceof EngineError ? e.fullMessage() : e instanceof Error ? e.message : String(e);
    const line = msg.replace(/\n/g, " ");
    deps.error(line);
    if (logFile) {
      const time = new Date().toISOString();
      try {
        appendFileSync(logFile, logJson ? JSON.stringify({ level: "error", msg: line, time }) + "\n" : `time="${time}" level=error msg=${JSON.stringify(line)}\n`);
      } catch {
        /* the log is best effort: the error already went to stderr */
      }
    }
    return 1;
  }
}
