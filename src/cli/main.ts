/**
 * The berth CLI's entry: global flags (-H/--host, --config, --version), the command lookup
 * (top-level verbs and `container|image|system <verb>` groups), and the docker CLI's error
 * reporting and exit codes. Only the command being run is loaded.
 */
import type { Readable } from "node:stream";
import type { DockerClient } from "../client/DockerClient.js";
import { errorText, HelpRequested, isDaemonError, ReportedError, StatusError } from "./errors.js";
import type { CliCommand, CliContext, CliIo, InStream, OutStream } from "./io.js";
import { GROUPS, TOP_LEVEL, type CommandEntry } from "./commands/index.js";

export const CLI_VERSION = "0.1.0";
export const DEFAULT_HOST = "unix:///run/berth/docker.sock";

export interface MainDeps {
  stdin: InStream | Readable;
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  /** Makes the API client (tests may substitute); default: DockerClient on the unix socket. */
  makeClient?: (socketPath: string) => DockerClient;
}

/** The unix socket path of a -H / DOCKER_HOST value (`unix:///path` or a bare path). */
export function socketPathOf(host: string): string {
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  if (host.startsWith("/")) return host;
  throw new StatusError(`unable to parse docker host \`${host}\`: berth speaks to unix:// sockets only`, 1);
}

function listing(title: string, entries: Record<string, { summary: string }>): string {
  const names = Object.keys(entries).sort();
  const width = Math.max(...names.map((n) => n.length));
  return `${title}:\n${names.map((n) => `  ${n.padEnd(width)}  ${entries[n]!.summary}`).join("\n")}\n`;
}

function usage(): string {
  return `\nUsage:  berth [OPTIONS] COMMAND\n\nA container engine speaking the Docker API\n\nGlobal Options:\n  -H, --host string     Daemon socket to connect to (default ${DEFAULT_HOST}; env BERTH_HOST, DOCKER_HOST)\n      --config string   Location of client config files (default ~/.docker; env DOCKER_CONFIG)\n  -v, --version         Print version information and quit\n\n${listing("Management Commands", GROUPS)}\n${listing("Commands", TOP_LEVEL)}\nRun 'berth COMMAND --help' for more information on a command.\n`;
}

interface Globals { host?: string; config?: string; version: boolean; help: boolean; rest: string[] }

function parseGlobals(argv: string[]): Globals {
  const g: Globals = { version: false, help: false, rest: [] };
  let i = 0;
  const value = (name: string, inline: string | undefined) => {
    if (inline !== undefined) return inline;
    if (i + 1 >= argv.length) throw new StatusError(`flag needs an argument: ${name}\nSee 'berth --help'.`, 125);
    return argv[++i]!;
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-")) break;
    const eq = a.indexOf("=");
    const name = eq > 0 && a.startsWith("--") ? a.slice(0, eq) : a;
    const inline = eq > 0 && a.startsWith("--") ? a.slice(eq + 1) : undefined;
    if (name === "-H" || name === "--host") g.host = value(name, inline);
    else if (a.startsWith("-H") && a.length > 2) g.host = a.slice(2).replace(/^=/, "");
    else if (name === "--config") g.config = value(name, inline);
    else if (name === "-l" || name === "--log-level") value(name, inline);
    else if (name === "-D" || name === "--debug") continue;
    else if (name === "-v" || name === "--version") g.version = true;
    else if (name === "-h" || name === "--help") g.help = true;
    else throw new StatusError(`unknown flag: ${name}\nSee 'berth --help'.`, 125);
  }
  g.rest = argv.slice(i);
  return g;
}

function resolveCommand(args: string[]): { entry: CommandEntry; name: string; rest: string[] } | { help: string } | { unknown: string } {
  const [first, second, ...more] = args;
  if (first === undefined) return { help: usage() };
  const group = GROUPS[first];
  if (group) {
    if (second === undefined || second === "--help" || second === "-h") return { help: `\nUsage:  berth ${first} COMMAND\n\n${group.summary}\n\n${listing("Commands", group.commands)}` };
    const entry = group.commands[second];
    if (!entry) return { unknown: `berth ${first}: '${second}' is not a berth command.\nSee 'berth ${first} --help'` };
    return { entry, name: `${first} ${second}`, rest: more };
  }
  const entry = TOP_LEVEL[first];
  if (!entry) return { unknown: `berth: '${first}' is not a berth command.\nSee 'berth --help'` };
  return { entry, name: first, rest: args.slice(1) };
}

export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const io: CliIo = { out: (t) => void deps.stdout.write(t), err: (t) => void deps.stderr.write(t) };
  let client: DockerClient | undefined;
  let name = "";
  let host = "";
  let makeClient: ((socketPath: string) => DockerClient) | undefined;
  let cmd: CliCommand | undefined;
  try {
    const g = parseGlobals(argv);
    if (g.version) {
      io.out(`Berth version ${CLI_VERSION}\n`);
      return 0;
    }
    const found = resolveCommand(g.rest);
    if ("help" in found) {
      io.out(found.help);
      return 0;
    }
    if ("unknown" in found) {
      io.err(`${found.unknown}\n`);
      return 1;
    }
    name = found.name;
    host = g.host ?? (deps.env.BERTH_HOST || deps.env.DOCKER_HOST || DEFAULT_HOST);
    const home = deps.env.HOME ?? "/root";
    const ctx: CliContext = {
      io, stdout: deps.stdout, stderr: deps.stderr, env: deps.env, host,
      // Read only by the commands that take input: process.stdin is made on first access (~3 ms).
      get stdin() { return deps.stdin as InStream; },
      configDir: g.config ?? (deps.env.DOCKER_CONFIG || `${home}/.docker`),
      client: () => (client ??= makeClient!(socketPathOf(host))),
    };
    // The command and the client load side by side; help, --version and usage errors load neither.
    const [mod, clientMod] = await Promise.all([found.entry.load(), deps.makeClient ? null : import("../client/DockerClient.js")]);
    makeClient = deps.makeClient ?? ((p) => new clientMod!.DockerClient({ socketPath: p, userAgent: `berth-cli/${CLI_VERSION}` }));
    cmd = mod.command;
    return await cmd.run(found.rest, ctx);
  } catch (e) {
    return report(e, name, cmd, io, host);
  } finally {
    client?.close();
  }
}

/** Prints an error the docker way and returns the exit code. */
function report(e: unknown, name: string, cmd: CliCommand | undefined, io: CliIo, host: string): number {
  if (e instanceof HelpRequested) {
    const flags = [...e.flags].sort((a, b) => a.long.localeCompare(b.long));
    const lines = flags.map((f) => `  ${f.short ? `-${f.short}, ` : "    "}--${f.long}${f.value ? (f.multi ? " list" : " string") : ""}`);
    io.out(`\nUsage:  berth ${cmd?.usage ?? name}\n\n${cmd?.summary ?? ""}\n${lines.length ? `\nOptions:\n${lines.join("\n")}\n` : ""}`);
    return 0;
  }
  if (e instanceof ReportedError) return e.code;
  if (e instanceof StatusError) {
    io.err(`${e.message}\n`);
    return e.code;
  }
  const creating = name === "run" || name === "create" || name === "container run" || name === "container create";
  let text = errorText(e);
  if (!isDaemonError(e) && e instanceof Error && /Cannot connect to the daemon/.test(e.message)) {
    text = `Cannot connect to the berth daemon at ${host}. Is the daemon running?`;
  }
  if (creating) {
    io.err(`berth: ${text}\nSee 'berth ${name} --help'.\n`);
    return 125;
  }
  io.err(`${text}\n`);
  return 1;
}
