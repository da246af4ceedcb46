/**
 * How the CLI fails, the docker CLI's way: a usage problem (bad flag, wrong argument count) is
 * a StatusError with its exit code (125 for flag errors, as cobra's FlagErrorFunc; 1 for
 * argument counts); a daemon error prints "Error response from daemon: <message>"; an error
 * already reported (several rm failures) just carries the code.
 */
import { EngineError } from "../errors/EngineError.js";

export class StatusError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
    this.name = "StatusError";
  }
}

/** A flag the command does not know or cannot parse: exit 125 with the help hint. */
export function flagError(message: string, command: string): StatusError {
  return new StatusError(`${message}\nSee 'berth ${command} --help'.`, 125);
}

/** Wrong number of arguments: docker's cobra text, exit 1. */
export function argsError(command: string, usage: string, requirement: string): StatusError {
  return new StatusError(`"berth ${command}" ${requirement}.\nSee 'berth ${command} --help'.\n\nUsage:  berth ${usage}`, 1);
}

/** Errors were printed already (one per argument); only the exit code is left. */
export class ReportedError extends Error {
  constructor(readonly code = 1) {
    super("errors were reported");
    this.name = "ReportedError";
  }
}

/** `--help` seen among the flags: main prints the command's usage and its flags. */
export class HelpRequested extends Error {
  constructor(readonly flags: readonly { long: string; short?: string; value?: boolean; multi?: boolean }[] = []) {
    super("help requested");
    this.name = "HelpRequested";
  }
}

/** Whether the error is an answer from the daemon (it came with an HTTP status). */
export function isDaemonError(e: unknown): e is EngineError {
  return e instanceof EngineError && typeof e.detail.status === "number";
}

/** The line docker prints for an error (without the "berth: " prefix main adds). */
export function errorText(e: unknown): string {
  if (isDaemonError(e)) return `Error response from daemon: ${e.message}`;
  if (e instanceof EngineError) return e.fullMessage();
  return e instanceof Error ? e.message : String(e);
}
