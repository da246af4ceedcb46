import { closeEngine, openEngine, type Engine } from "../engine/Engine.js";
import type { CliCommand, CliContext, CliIo } from "./io.js";
import { errorLine, runFailureCode } from "./exitCodes.js";
import { runCommand } from "./commands/run.js";
import { imagesCommand } from "./commands/images.js";
import { rmiCommand } from "./commands/rmi.js";
import { tagCommand } from "./commands/tag.js";

export const COMMANDS: Record<string, CliCommand> = {
  run: runCommand,
  images: imagesCommand,
  rmi: rmiCommand,
  tag: tagCommand,
};

function usage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return `Usage:  berth COMMAND\n\nA container engine\n\nCommands:\n${names.map((n) => `  ${n.padEnd(width)}   ${COMMANDS[n]!.summary}`).join("\n")}\n`;
}

/**
 * The CLI's entry: finds the command, runs it, maps failures to docker's exit codes and
 * one-line messages. The engine is opened only for commands that use it.
 */
export async function main(argv: string[], io: CliIo, openEngineFn: () => Promise<Engine> = openEngine): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name === undefined ? 1 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`berth: '${name}' is not a berth command.\nSee 'berth --help'\n`);
    return 1;
  }
  let engine: Engine | undefined;
  const ctx: CliContext = { io, engine: async () => (engine ??= await openEngineFn()) };
  try {
    return await cmd.run(rest, ctx);
  } catch (e) {
    io.err(`berth: ${errorLine(e)}\n`);
    return name === "run" ? runFailureCode(e) : 1;
  } finally {
    if (engine) closeEngine(engine);
  }
}
