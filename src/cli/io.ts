/** Where a CLI command writes: injected so commands are testable and never touch process.* directly. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  /** One line for the usage listing. */
  summary: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

export interface CliContext {
  io: CliIo;
  /** Opens the engine lazily: commands that need none (help) stay fast. */
  engine(): Promise<import("../engine/Engine.js").Engine>;
}
