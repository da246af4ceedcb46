/**
 * What a CLI command gets: where to write, the terminal it runs on, the environment, and a lazily
 * made Docker API client (commands that need no daemon — help, logout — never connect).
 */
import type { Readable, Writable } from "node:stream";
import type { DockerClient } from "../client/DockerClient.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** A terminal-capable stream (process.stdin / process.stdout, or a test pipe without isTTY). */
export type InStream = Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown; fd?: number };
export type OutStream = Writable & { isTTY?: boolean; columns?: number; rows?: number };

export interface CliContext {
  io: CliIo;
  stdin: InStream;
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  /** The daemon address as given (-H, DOCKER_HOST, BERTH_HOST or the default). */
  host: string;
  /** The docker client config directory (~/.docker, or DOCKER_CONFIG / --config). */
  configDir: string;
  client(): DockerClient;
}

/** One command module: parses its argv and makes (mostly) one client call. */
export interface CliCommand {
  /** `run [OPTIONS] IMAGE [COMMAND] [ARG...]` */
  usage: string;
  summary: string;
  run(argv: string[], ctx: CliContext): Promise<number>;
}
