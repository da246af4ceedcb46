import type { RuntimeContext } from "../RuntimeContext.js";

/** Where a CLI command writes: injected so commands are testable and library code never prints. */
export interface CliIo {
  out(text: string): void;
  /** A warning line (the runtime spec's hook failures, ...). */
  warn(text: string): void;
}

export interface CliEnv {
  ctx: RuntimeContext;
  io: CliIo;
}

/** A subcommand: parse its own argv, make one library call, return the process exit code. */
export type Command = (env: CliEnv, argv: string[]) => Promise<number>;
