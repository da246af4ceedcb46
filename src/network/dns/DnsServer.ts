/**
 * berthd's embedded DNS resolver (docs/networking.md, "DNS"): one UDP and one TCP listener per
 * bridge gateway address, answering the network's names from its records and forwarding the
 * rest to the host's nameservers (or the asking container's --dns servers, when the records name
 * them), like Docker's embedded DNS (moby libnetwork/resolver.go).
 * Runs in the host's netns, so loopback upstreams (systemd-resolved, dnsmasq) work.
 *
 * Nothing a client sends can throw out of here: bad packets get FORMERR or are dropped, a
 * failing records callback gets SERVFAIL, and socket errors are logged.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { setMaxListeners } from "node:events";
import { createServer, isIPv6, type Server, type Socket } from "node:net";
import { conflict, failedPrecondition, wrapError } from "../../errors/EngineError.js";
import { answerLocally, type DnsRecords } from "./localAnswer.js";
import { forwardQuery, type Transport } from "./forward.js";
import { FrameReader, frame } from "./tcpFraming.js";
import { buildResponse, parseQuery, udpLimit, RCODE_REFUSED, RCODE_SERVFAIL, type DnsQuery } from "./wire.js";

export type { DnsRecords } from "./localAnswer.js";

export type DnsLogLevel = "debug" | "info" | "warn" | "error";

export interface DnsServerOptions {
  /** The nameservers to forward to (port 53 unless upstreamPort), asked at every forward so resolv.conf edits apply. */
  upstreams: () => string[];
  log?: (level: DnsLogLevel, msg: string) => void;
  /** Port of the upstreams (tests run a fake one on a high port). */
  upstreamPort?: number;
  /** Per-upstream wait before trying the next one. */
  timeoutMs?: number;
  /** Forwards pending at once across all listeners; beyond it queries get REFUSED. */
  maxInFlight?: number;
}

export interface ListenOptions {
  /** Forward names the records do not answer to the upstreams (default true). */
  forward?: boolean;
}

/** A TCP client silent this long is disconnected (RFC 7766 suggests seconds). */
const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNECTIONS = 64;
const MAX_TCP_PENDING_PER_CONNECTION = 16;

interface Listener {
  address: string;
  port: number;
  records: DnsRecords | null;
  /** False for --internal networks: names not in the records get SERVFAIL (moby#47538). */
  forward: boolean;
  udp: UdpSocket;
  tcp: Server;
  conns: Set<Socket>;
}

export class DnsServer {
  private readonly listeners = new Map<string, Listener>();
  /** Per-address chain so concurrent listen/unlisten on one address apply in call order. */
  private readonly ops = new Map<string, Promise<unknown>>();
  private readonly abort = new AbortController();
  private inFlight = 0;
  private rotation = 0;
  private closed = false;

  constructor(private readonly opts: DnsServerOptions) {
    // Every pending forward listens on the one abort signal; the in-flight bound is the real limit.
    setMaxListeners(0, this.abort.signal);
  }

  /**
   * Serves `address:port` on UDP and TCP with `records` (null: forward only). Listening again on
   * an address replaces its records (and rebinds if the port differs). Conflict when the port is taken.
   * `forward: false` (an --internal network) answers SERVFAIL instead of asking the upstreams: they
   * are reached from the host's netns, so forwarding would let an internal network talk outside.
   */
  listen(address: string, port: number, records: DnsRecords | null, opts: ListenOptions = {}): Promise<void> {
    const forward = opts.forward ?? true;
    return this.serialize(address, async () => {
      if (this.closed) throw failedPrecondition(`dns listen: ${address}:${port}: the DNS server is closed`);
      const cur = this.listeners.get(address);
      if (cur && cur.port === port) {
        cur.records = records;
        cur.forward = forward;
        return;
      }
      if (cur) await this.stop(cur);
      this.listeners.set(address, await this.bind(address, port, records, forward));
    });
  }

  /** Stops serving `address` (both sockets closed, TCP clients dropped). No-op when not listening. */
  unlisten(address: string): Promise<void> {
    return this.serialize(address, async () => {
      const cur = this.listeners.get(address);
      if (cur) await this.stop(cur);
    });
  }

  /** Stops every listener and abandons pending forwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    // Addresses with a listen still in progress too: their unlisten is queued after it.
    const addresses = new Set([...this.listeners.keys(), ...this.ops.keys()]);
    await Promise.all([...addresses].map((a) => this.unlisten(a)));
  }

  private serialize<T>(address: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.ops.get(address) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.ops.set(address, tail);
    void tail.then(() => {
      if (this.ops.get(address) === tail) this.ops.delete(address);
    });
    return run;
  }

  private async bind(address: string, port: number, records: DnsRecords | null, forward: boolean): Promise<Listener> {
    const what = `${address}:${port}`;
    const udp = createSocket({ type: isIPv6(address) ? "udp6" : "udp4" });
    const tcp = createServer({ pauseOnConnect: false });
    const l: Listener = { address, port, records, forward, udp, tcp, conns: new Set() };
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once("error", reject);
        udp.bind({ address, port, exclusive: true }, () => {
          udp.off("error", reject);
          resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen({ host: address, port, exclusive: true }, () => {
          tcp.off("error", reject);
          resolve();
        });
      });
    } catch (e) {
      udp.removeAllListeners();
      try { udp.close(); } catch { /* never bound */ }
      if (tcp.listening) await new Promise((r) => tcp.close(r));
      if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") throw conflict(`dns listen: ${what} is already in use`, { cause: e });
      if ((e as NodeJS.ErrnoException).code === "EADDRNOTAVAIL") throw failedPrecondition(`dns listen: ${what}: no interface has this address`, { cause: e });
      throw wrapError(e, `dns listen: ${what}`);
    }
    udp.on("error", (e) => this.log("warn", `dns ${what}/udp: ${e.message}`));
    udp.on("message", (msg, rinfo) => {
      void this.respond(msg, l, "udp", clientAddress(rinfo.address)).then((resp) => {
        if (!resp || this.listeners.get(address) !== l) return; // unlistened while forwarding
        const failed = (err: Error | null) => {
          if (err) this.log("debug", `dns ${what}/udp: reply to ${rinfo.address}:${rinfo.port}: ${err.message}`);
        };
        try {
          udp.send(resp, rinfo.port, rinfo.address, failed);
        } catch (e) {
          failed(e as Error);
        }
      }, (e) => this.log("error", `dns ${what}/udp: ${e instanceof Error ? e.message : String(e)}`));
    });
    tcp.on("error", (e) => this.log("warn", `dns ${what}/tcp: ${e.message}`));
    tcp.on("connection", (sock) => this.serveTcp(sock, l));
    return l;
  }

  private serveTcp(sock: Socket, l: Listener): void {
    if (l.conns.size >= MAX_TCP_CONNECTIONS) {
      sock.destroy();
      return;
    }
    l.conns.add(sock);
    const reader = new FrameReader();
    // Read once: a socket being torn down no longer reports its peer.
    const client = clientAddress(sock.remoteAddress);
    let pending = 0;
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on("error", () => sock.destroy());
    sock.on("close", () => l.conns.delete(sock));
    sock.on("data", (chunk) => {
      for (const msg of reader.push(chunk)) {
        if (++pending > MAX_TCP_PENDING_PER_CONNECTION) {
          this.log("debug", `dns ${l.address}:${l.port}/tcp: too many pipelined queries from ${sock.remoteAddress}, closing`);
          sock.destroy();
          return;
        }
        void this.respond(msg, l, "tcp", client).then((resp) => {
          pending--;
          if (resp && !sock.destroyed) sock.write(frame(resp));
        }, (e) => {
          pending--;
          this.log("error", `dns ${l.address}:${l.port}/tcp: ${e instanceof Error ? e.message : String(e)}`);
        });
      }
    });
  }

  private async stop(l: Listener): Promise<void> {
    if (this.listeners.get(l.address) === l) this.listeners.delete(l.address);
    for (const c of l.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => l.udp.close(() => r())),
      new Promise<void>((r) => l.tcp.close(() => r())),
    ]);
  }

  /** The response to one message, or undefined to stay silent. Never rejects. */
  private async respond(packet: Buffer, l: Listener, transport: Transport, client: string | undefined): Promise<Buffer | undefined> {
    const parsed = parseQuery(packet);
    if (parsed.kind === "drop") {
      this.log("debug", `dns ${l.address}:${l.port}/${transport}: dropped a packet: ${parsed.reason}`);
      return undefined;
    }
    if (parsed.kind === "reply") {
      this.log("debug", `dns ${l.address}:${l.port}/${transport}: rejected a packet: ${parsed.reason}`);
      return parsed.response;
    }
    const q = parsed.query;
    const maxSize = transport === "udp" ? udpLimit(q) : 65535;
    try {
      const decision = answerLocally(q, l.records, this.rotation++, client);
      if (decision.kind === "answer") return buildResponse(q, { rcode: decision.rcode, answers: decision.answers, aa: true, maxSize });
      if (!l.forward) return buildResponse(q, { rcode: RCODE_SERVFAIL });
      return (await this.forward(packet, q, l, transport, client)) ?? buildResponse(q, { rcode: RCODE_SERVFAIL });
    } catch (e) {
      this.log("error", `dns ${l.address}:${l.port}: answering ${q.question.name}: ${e instanceof Error ? e.message : String(e)}`);
      return buildResponse(q, { rcode: RCODE_SERVFAIL });
    }
  }

  private async forward(packet: Buffer, q: DnsQuery, l: Listener, transport: Transport, client: string | undefined): Promise<Buffer | undefined> {
    const port = this.opts.upstreamPort ?? 53;
    // Never forward to one of our own listeners: that would loop until the timeout.
    const notOurs = (u: string) => !(port === this.listeners.get(u)?.port);
    // The asking container's own nameservers (--dns) replace the host's, as in Docker; a --dns
    // naming berth's resolver itself means "the default" (the host's).
    const own = (client === undefined ? undefined : l.records?.upstreams?.(client))?.filter(notOurs);
    const upstreams = own && own.length > 0 ? own : this.opts.upstreams().filter(notOurs);
    if (upstreams.length === 0) {
      this.log("debug", `dns: no upstream nameserver for ${q.question.name}`);
      return undefined;
    }
    if (this.inFlight >= (this.opts.maxInFlight ?? 256)) {
      this.log("warn", `dns ${l.address}:${l.port}: too many queries being forwarded, refusing ${q.question.name}`);
      return buildResponse(q, { rcode: RCODE_REFUSED });
    }
    this.inFlight++;
    try {
      const resp = await forwardQuery(packet, transport, { upstreams, port, timeoutMs: this.opts.timeoutMs ?? 2000, signal: this.abort.signal });
      if (!resp) this.log("debug", `dns: no upstream answered ${q.question.name} (asked ${upstreams.join(", ")})`);
      return resp;
    } finally {
      this.inFlight--;
    }
  }

  private log(level: DnsLogLevel, msg: string): void {
    this.opts.log?.(level, msg);
  }
}

/** The querying socket's address as the records know it: IPv4-mapped IPv6 ("::ffff:a.b.c.d") unwrapped. */
export function clientAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  return address.toLowerCase().startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
