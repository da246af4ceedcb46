import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type { Socket } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EngineError, type ErrorKind } from "../errors/EngineError.js";
import type { NetOps, VethRequest } from "../network/NetOps.js";
import { formatLine, parseLine } from "../util/lineFormat.js";

const INSTALLED_NET_HELPER = "/usr/local/libexec/berth/berth-netlink";

/** $BERTH_NETLINK, else the checkout's own build (when running from a checkout), else the installed copy. */
export function defaultNetHelperPath(): string {
  if (process.env.BERTH_NETLINK) return process.env.BERTH_NETLINK;
  const built = resolve(dirname(fileURLToPath(import.meta.url)), "../../../native/build/berth-netlink");
  if (existsSync(built)) return built;
  return INSTALLED_NET_HELPER;
}

const errnoKinds: Record<string, ErrorKind> = {
  ENOENT: "NotFound",
  ENODEV: "NotFound",
  EEXIST: "Conflict",
  EADDRINUSE: "Conflict",
  EBUSY: "Conflict",
  EINVAL: "InvalidArgument",
  ERANGE: "InvalidArgument",
};

/**
 * The EngineError for a helper's `err` reply. The helper's message already names the operation
 * and its object ("veth_add vb12: create veth (...): File exists"); when it does not, they are
 * put in front, so the message always reads "netlink helper: <op> <object>: <detail>".
 */
export function netHelperError(op: string, object: string, errno: string, message: string): EngineError {
  const subject = object ? `${op} ${object}` : op;
  const text = message.startsWith(`${op} `) || message.startsWith(`${op}:`) ? message : `${subject}: ${message}`;
  return new EngineError(errnoKinds[errno] ?? "Internal", `netlink helper: ${text}`, { detail: { errno, op, object } });
}

interface Pending {
  op: string;
  object: string;
  resolve(fields: string[]): void;
  reject(e: Error): void;
}

/** One running helper process and the requests written to it, answered in order. */
interface Proc {
  child: ChildProcess;
  stdin: Socket;
  stdout: Socket;
  pending: Pending[];
  buf: string;
  dead?: string;
}

/**
 * Client of `berth-netlink` (docs/networking.md, "netlink helper protocol"): one resident C
 * process per daemon that performs every kernel network change, so the hot path of a
 * container start forks nothing. Requests are pipelined on its stdin; the helper answers each
 * with exactly one line, in order, so replies are matched first-in first-out. The process is
 * started on first use, never keeps this process alive (child and pipes are unref'd while no
 * request is outstanding), and is started again on the next request if it died; requests it
 * had not answered reject with an "Unavailable" EngineError.
 */
export class NetHelper implements NetOps {
  private readonly binary: string;
  private proc?: Proc;

  constructor(opts: { binary?: string } = {}) {
    this.binary = opts.binary ?? defaultNetHelperPath();
  }

  /** The pid of the running helper, if one is running (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  netnsCreate(path: string): Promise<void> {
    return this.call("netns_create", path, [path]);
  }

  netnsDelete(path: string): Promise<void> {
    return this.call("netns_delete", path, [path]);
  }

  bridgeEnsure(name: string, cidr: string, mtu: number): Promise<void> {
    return this.call("bridge_ensure", name, [name, cidr, mtu]);
  }

  bridgeDelete(name: string): Promise<void> {
    return this.call("bridge_delete", name, [name]);
  }

  vethAdd(r: VethRequest): Promise<void> {
    return this.call("veth_add", r.hostName, [r.hostName, r.netnsPath, r.ifName, r.mac, r.mtu, r.bridge, r.cidr, r.gateway, r.isolated ? "1" : "0", r.routeMtu ? String(r.routeMtu) : ""]);
  }

  /** A warm pool's pair (src/network/NetnsPool.ts): container end down in the pooled netns, host end on no bridge. */
  vethPrepare(r: Parameters<NonNullable<NetOps["vethPrepare"]>>[0]): Promise<void> {
    return this.call("veth_prepare", r.hostName, [r.hostName, r.netnsPath, r.ifName, r.mtu, r.routeMtu ? String(r.routeMtu) : ""]);
  }

  /** A pooled pair taken by a container: bridge port, MAC, address, up, default route. */
  vethTake(r: Parameters<NonNullable<NetOps["vethTake"]>>[0]): Promise<void> {
    return this.call("veth_take", r.hostName, [r.hostName, r.netnsPath, r.ifName, r.mac, r.bridge, r.isolated ? "1" : "0", r.cidr, r.gateway, r.routeMtu ? String(r.routeMtu) : ""]);
  }

  linkDelete(name: string): Promise<void> {
    return this.call("link_delete", name, [name]);
  }

  nft(script: string): Promise<void> {
    return this.call("nft", "", [script]);
  }

  /** Runs an nft script and returns what it printed (e.g. for `list table ...`). */
  async nftOutput(script: string): Promise<string> {
    const fields = await this.request("nft", "", [script]);
    return fields[0] ?? "";
  }

  sysctl(key: string, value: string): Promise<void> {
    return this.call("sysctl", key, [key, value]);
  }

  routeDefault(netnsPath: string, ifName: string, gateway: string, mtu?: number): Promise<void> {
    return this.call("route_default", netnsPath, [netnsPath, ifName, gateway, mtu ? String(mtu) : ""]);
  }

  /**
   * Ends the helper: its stdin is closed, so it answers what it was already sent and exits (a
   * helper stuck for 10 s after that is killed). A later request starts a new one.
   */
  close(): void {
    const p = this.proc;
    this.proc = undefined;
    if (!p) return;
    p.stdin.end();
    const t = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
    t.unref();
    p.child.once("close", () => clearTimeout(t));
  }

  private async call(op: string, object: string, fields: (string | number)[]): Promise<void> {
    await this.request(op, object, fields);
  }

  /**
   * Sends one request line and resolves with the fields after `ok`; an `err` reply rejects with
   * netHelperError(). A field containing NUL rejects (InvalidArgument) before anything is sent.
   */
  request(op: string, object: string, fields: (string | number)[]): Promise<string[]> {
    let line: string;
    try {
      line = formatLine(op, ...fields);
    } catch (e) {
      return Promise.reject(e);
    }
    const p = this.ensureStarted();
    return new Promise<string[]>((resolve, reject) => {
      if (p.dead) {
        reject(unavailable(op, object, p.dead));
        return;
      }
      p.pending.push({ op, object, resolve, reject });
      if (p.pending.length === 1) hold(p, true);
      p.stdin.write(line);
    });
  }

  private ensureStarted(): Proc {
    if (this.proc && !this.proc.dead) return this.proc;
    const child = spawn(this.binary, [], { stdio: ["pipe", "pipe", "inherit"] });
    const stdin = child.stdin as unknown as Socket;
    const stdout = child.stdout as unknown as Socket;
    const p: Proc = { child, stdin, stdout, pending: [], buf: "" };
    this.proc = p;
    child.on("error", (e) => this.died(p, `cannot run ${this.binary}: ${e.message}`));
    // "close", not "exit": replies the helper wrote before exiting must be read first.
    child.on("close", (code, signal) => this.died(p, signal ? `helper killed by ${signal}` : `helper exited with status ${code}`));
    // EPIPE after the helper died: the exit handler reports it to the waiting requests.
    stdin.on("error", () => {});
    stdout.setEncoding("utf8");
    stdout.on("data", (d: string) => this.onData(p, d));
    stdout.on("error", () => {});
    child.unref();
    stdin.unref?.();
    stdout.unref?.();
    return p;
  }

  private onData(p: Proc, d: string): void {
    p.buf += d;
    let nl: number;
    while ((nl = p.buf.indexOf("\n")) >= 0) {
      const line = p.buf.slice(0, nl);
      p.buf = p.buf.slice(nl + 1);
      const req = p.pending.shift();
      if (p.pending.length === 0) hold(p, false);
      if (!req) {
        // A reply nobody asked for: the stream is out of step, so no later reply can be trusted.
        this.desync(p, `unexpected reply ${JSON.stringify(line.slice(0, 200))}`);
        return;
      }
      let f: string[];
      try {
        f = parseLine(line);
      } catch {
        f = [];
      }
      if (f[0] === "ok") req.resolve(f.slice(1));
      else if (f[0] === "err" && f.length >= 3) req.reject(netHelperError(req.op, req.object, f[1]!, f.slice(2).join("\t")));
      else {
        req.reject(new EngineError("Internal", `netlink helper: ${subjectOf(req)}: malformed reply ${JSON.stringify(line.slice(0, 200))}`));
        this.desync(p, "malformed reply");
        return;
      }
    }
  }

  /** Kills a helper whose replies can no longer be matched to requests; the next request starts another. */
  private desync(p: Proc, why: string): void {
    this.died(p, `protocol error: ${why}`);
    p.child.kill("SIGKILL");
  }

  private died(p: Proc, why: string): void {
    if (p.dead) return;
    p.dead = why;
    if (this.proc === p) this.proc = undefined;
    const waiting = p.pending.splice(0);
    for (const r of waiting) r.reject(unavailable(r.op, r.object, why));
    hold(p, false);
  }
}

/**
 * While a reply is awaited, the child and its stdout keep the event loop alive (a death must be
 * seen: "close" needs both the exit and the pipe's end); otherwise neither does.
 */
function hold(p: Proc, on: boolean): void {
  if (on) {
    p.child.ref();
    p.stdout.ref?.();
  } else {
    p.child.unref();
    p.stdout.unref?.();
  }
}

function subjectOf(r: { op: string; object: string }): string {
  return r.object ? `${r.op} ${r.object}` : r.op;
}

function unavailable(op: string, object: string, why: string): EngineError {
  return new EngineError("Unavailable", `netlink helper: ${subjectOf({ op, object })}: ${why}`, { detail: { op, object } });
}
