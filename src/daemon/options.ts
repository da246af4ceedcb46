/** berthd's command line: dockerd's flag names for what berthd has. */
import { invalidArgument } from "../errors/EngineError.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal";
const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "fatal"];

export interface DaemonOptions {
  /** Unix socket path the API listens on (from -H unix://PATH). */
  socketPath: string;
  dataRoot: string;
  execRoot: string;
  pidFile: string;
  logLevel: LogLevel;
  /** Group that may use the socket (--group), by gid. */
  socketGid?: number;
  help: boolean;
  version: boolean;
}

export const DEFAULT_DAEMON_OPTIONS: DaemonOptions = {
  socketPath: "/run/berth/docker.sock",
  dataRoot: "/var/lib/berth",
  execRoot: "/run/berth",
  pidFile: "/run/berth/berthd.pid",
  logLevel: "info",
  help: false,
  version: false,
};

export const USAGE = `Usage: berthd [OPTIONS]

A container engine that serves the Docker Engine API.

Options:
  -H, --host unix://PATH   Socket to listen on (default unix:///run/berth/docker.sock)
      --data-root DIR      Persistent state (default /var/lib/berth)
      --exec-root DIR      Volatile state: runtime state, shim sockets (default /run/berth)
  -p, --pidfile FILE       Daemon pid file (default /run/berth/berthd.pid)
  -l, --log-level LEVEL    debug, info, warn, error or fatal (default info)
  -D, --debug              Same as --log-level debug
  -G, --group GID          Numeric group allowed to use the socket (mode 0660)
  -v, --version            Print the version and exit
  -h, --help               Print this help and exit
`;

/** Parses argv (without node and script). InvalidArgument names the bad flag. */
export function parseDaemonArgs(argv: readonly string[]): DaemonOptions {
  const o: DaemonOptions = { ...DEFAULT_DAEMON_OPTIONS };
  let hosts = 0;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw invalidArgument(`berthd: flag needs an argument: ${arg}`);
      return v;
    };
    switch (arg) {
      case "-H":
      case "--host": {
        const h = next();
        if (++hosts > 1) throw invalidArgument("berthd: only one -H is supported");
        if (h.startsWith("unix://")) o.socketPath = h.slice("unix://".length);
        else if (h.startsWith("/")) o.socketPath = h;
        else throw invalidArgument(`berthd: -H ${h}: only unix:// sockets are supported (TCP with TLS is not implemented yet)`);
        if (o.socketPath === "") throw invalidArgument("berthd: -H unix://: empty socket path");
        break;
      }
      case "--data-root": o.dataRoot = next(); break;
      case "--exec-root": o.execRoot = next(); break;
      case "-p":
      case "--pidfile": o.pidFile = next(); break;
      case "-l":
      case "--log-level": {
        const l = next() as LogLevel;
        if (!LEVELS.includes(l)) throw invalidArgument(`berthd: --log-level: unknown level ${JSON.stringify(l)} (debug, info, warn, error, fatal)`);
        o.logLevel = l;
        break;
      }
      case "-D":
      case "--debug": o.logLevel = "debug"; break;
      case "-G":
      case "--group": {
        const g = next();
        if (!/^\d+$/.test(g)) throw invalidArgument(`berthd: --group ${g}: give a numeric gid`);
        o.socketGid = Number(g);
        break;
      }
      case "-v":
      case "--version": o.version = true; break;
      case "-h":
      case "--help": o.help = true; break;
      default:
        throw invalidArgument(`berthd: unknown flag: ${arg}`);
    }
  }
  return o;
}
