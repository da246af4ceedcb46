/** berthd's command line: dockerd's flag names for what berthd has. */
import { createHash } from "node:crypto";
import { invalidArgument } from "../errors/EngineError.js";
import { parseRemapFlag } from "../engine/containers/usernsIds.js";

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
  /** --bridge/-b: the default bridge's interface; "none" = no default "bridge" network. */
  bridge: string;
  /** --bip: the default bridge's gateway address and prefix (10.1.0.1/24); default: a free pool subnet. */
  bip?: string;
  /** --mtu: the default bridge's MTU, used as its link MTU (default: 1500 outside, 65520 inside; docs/networking.md "MTU"). */
  mtu?: number;
  /** --default-address-pool (repeatable): where networks without a subnet get theirs. */
  defaultAddressPools: { base: string; size: number }[];
  /** --userland-proxy: published ports through berth-proxy (true) or kernel DNAT (false). */
  userlandProxy: boolean;
  /** --icc: containers on the default bridge may talk to each other. */
  icc: boolean;
  /** --ip-forward: berthd turns on net.ipv4.ip_forward (containers reach beyond the host). */
  ipForward: boolean;
  /** --userns-remap: default, user, user:group, uid or uid:gid (validated here, resolved at start). */
  usernsRemap?: string;
  /** --init: containers that do not say (HostConfig.Init null) run under an init. */
  init: boolean;
  /** --init-path: the init binary (default: docker-init on PATH, then Debian's tini-static). */
  initPath?: string;
  help: boolean;
  version: boolean;
}

export const DEFAULT_DAEMON_OPTIONS: DaemonOptions = {
  socketPath: "/run/berth/docker.sock",
  dataRoot: "/var/lib/berth",
  execRoot: "/run/berth",
  pidFile: "/run/berth/berthd.pid",
  logLevel: "info",
  bridge: "berth0",
  defaultAddressPools: [],
  userlandProxy: true,
  icc: true,
  ipForward: true,
  init: false,
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

Networking:
  -b, --bridge NAME        Interface of the default "bridge" network (default berth0);
                           "none": no default network
      --bip CIDR           The default bridge's address and subnet, e.g. 10.1.0.1/24
                           (default: the first free subnet of the address pools)
      --mtu N              MTU of the default bridge's links (default: 1500 for
                           traffic leaving the host, 65520 between containers)
      --default-address-pool base=CIDR,size=N
                           Subnets for networks created without one (repeatable;
                           default 172.17.0.0/16..172.31.0.0/16 and 192.168.0.0/16 by /20)
      --userland-proxy=BOOL
                           Published ports through berth-proxy (default true) or
                           kernel DNAT rules (false)
      --icc=BOOL           Traffic between containers on the default bridge (default true)
      --ip-forward=BOOL    Turn on net.ipv4.ip_forward at start (default true)

Security:
      --userns-remap USER  Run every container in a user namespace mapped onto USER's
                           ranges in /etc/subuid and /etc/subgid: default (the berthremap
                           user, created with a range if missing), user, user:group,
                           uid or uid:gid; --userns=host opts a container out

Containers:
      --init               Run an init (signal forwarding, zombie reaping) in containers
                           that do not choose with --init/--init=false themselves
      --init-path PATH     The init binary (default: docker-init on PATH, else
                           /usr/bin/tini-static from Debian's tini package)
  -v, --version            Print the version and exit
  -h, --help               Print this help and exit
`;

/** Parses argv (without node and script). InvalidArgument names the bad flag. */
export function parseDaemonArgs(argv: readonly string[]): DaemonOptions {
  const o: DaemonOptions = { ...DEFAULT_DAEMON_OPTIONS, defaultAddressPools: [] };
  let hosts = 0;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    /** Go's boolean flags: `--flag` is true, `--flag=false` sets it (never the next argument). */
    const bool = () => {
      if (value === undefined) return true;
      if (/^(1|t|true|TRUE|True)$/.test(value)) return true;
      if (/^(0|f|false|FALSE|False)$/.test(value)) return false;
      throw invalidArgument(`berthd: invalid boolean value ${JSON.stringify(value)} for ${arg}`);
    };
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
      case "--init": o.init = bool(); break;
      case "--init-path": {
        const p = next();
        if (!p.startsWith("/")) throw invalidArgument(`berthd: --init-path ${p}: give an absolute path`);
        o.initPath = p;
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
      case "-b":
      case "--bridge": {
        const b = next();
        if (b !== "none" && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(b)) throw invalidArgument(`berthd: --bridge ${JSON.stringify(b)}: an interface name of 1 to 15 letters, digits, "_", "." or "-"`);
        o.bridge = b;
        break;
      }
      case "--bip": {
        const c = next();
        if (!isCidr(c)) throw invalidArgument(`berthd: --bip ${JSON.stringify(c)}: give an IPv4 address with prefix length, e.g. 10.1.0.1/24`);
        o.bip = c;
        break;
      }
      case "--mtu": {
        const v = next();
        if (!/^\d{1,5}$/.test(v) || Number(v) < 68 || Number(v) > 65535) throw invalidArgument(`berthd: --mtu ${JSON.stringify(v)}: an MTU from 68 to 65535`);
        o.mtu = Number(v);
        break;
      }
      case "--default-address-pool": o.defaultAddressPools.push(parseAddressPool(next())); break;
      case "--userland-proxy": o.userlandProxy = bool(); break;
      case "--icc": o.icc = bool(); break;
      case "--ip-forward": o.ipForward = bool(); break;
      case "--userns-remap": {
        const v = next();
        try {
          parseRemapFlag(v);
        } catch (e) {
          throw invalidArgument(`berthd: ${(e as Error).message}`);
        }
        o.usernsRemap = v;
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

function isCidr(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** `base=10.10.0.0/16,size=24` (dockerd's syntax); the size must fit inside the base. */
export function parseAddressPool(v: string): { base: string; size: number } {
  const fields = new Map(v.split(",").map((kv) => {
    const eq = kv.indexOf("=");
    return [eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? "" : kv.slice(eq + 1)] as const;
  }));
  const bad = (why: string) => invalidArgument(`berthd: --default-address-pool ${JSON.stringify(v)}: ${why}`);
  for (const k of fields.keys()) if (k !== "base" && k !== "size") throw bad(`unknown field ${JSON.stringify(k)} (base=CIDR,size=N)`);
  const base = fields.get("base") ?? "";
  if (!isCidr(base)) throw bad("base must be an IPv4 subnet, e.g. base=10.10.0.0/16");
  const sizeText = fields.get("size") ?? "";
  if (!/^\d{1,2}$/.test(sizeText)) throw bad("size must be a prefix length, e.g. size=24");
  const size = Number(sizeText);
  if (size < Number(base.split("/")[1]) || size > 30) throw bad(`size ${size} must be between the base's prefix length and 30`);
  return { base, size };
}

/**
 * The nftables table a daemon owns: "berth" for the default exec root, else
 * "berth_<8 hex of sha256(execRoot)>", so side-by-side daemons never touch each other's rules.
 */
export function nftTableName(execRoot: string): string {
  if (execRoot === DEFAULT_DAEMON_OPTIONS.execRoot) return "berth";
  return `berth_${createHash("sha256").update(execRoot).digest("hex").slice(0, 8)}`;
}
