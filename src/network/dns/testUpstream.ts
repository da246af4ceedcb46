/**
 * Test-only fake upstream nameserver on UDP and TCP: answers A queries with 192.0.2.7 (other
 * types with an empty NOERROR), or stays silent, or answers SERVFAIL. It records what it saw.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { FrameReader, frame } from "./tcpFraming.js";
import { decode, makeAResponse } from "./testPackets.js";

export const UPSTREAM_ANSWER = "192.0.2.7";

export class FakeUpstream {
  readonly seen: { transport: "udp" | "tcp"; name: string; type: number; id: number }[] = [];
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly conns = new Set<Socket>();

  constructor(readonly address: string, readonly port: number, public mode: "answer" | "silent" | "servfail" = "answer") {}

  async start(): Promise<this> {
    const udp = createSocket("udp4");
    this.udp = udp;
    udp.on("message", (m, r) => {
      const reply = this.handle(m, "udp");
      if (reply) udp.send(reply, r.port, r.address);
    });
    await new Promise<void>((res, rej) => {
      udp.once("error", rej);
      udp.bind(this.port, this.address, () => res());
    });
    const tcp = createServer((sock) => {
      this.conns.add(sock);
      sock.on("close", () => this.conns.delete(sock));
      const reader = new FrameReader();
      sock.on("error", () => {});
      sock.on("data", (c) => {
        for (const m of reader.push(c)) {
          const reply = this.handle(m, "tcp");
          if (reply) sock.write(frame(reply));
        }
      });
    });
    this.tcp = tcp;
    await new Promise<void>((res, rej) => {
      tcp.once("error", rej);
      tcp.listen(this.port, this.address, () => res());
    });
    return this;
  }

  private handle(m: Buffer, transport: "udp" | "tcp"): Buffer | undefined {
    const d = decode(m);
    this.seen.push({ transport, name: d.question!.name, type: d.question!.type, id: d.id });
    if (this.mode === "silent") return undefined;
    if (this.mode === "servfail") return makeAResponse(m, [], 2);
    return makeAResponse(m, d.question!.type === 1 ? [UPSTREAM_ANSWER] : []);
  }

  /** Closes both sockets and any client connection; safe to call twice or after a failed start. */
  async close(): Promise<void> {
    const udp = this.udp, tcp = this.tcp;
    this.udp = this.tcp = undefined;
    for (const c of this.conns) c.destroy();
    if (udp) await new Promise<void>((r) => { try { udp.close(() => r()); } catch { r(); } });
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
  }
}
