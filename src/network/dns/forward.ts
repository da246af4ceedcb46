/**
 * Relays a query to the host's nameservers, in order, the way the client asked (UDP or TCP).
 * Each attempt uses its own socket (a fresh random source port) and a fresh random id, so a
 * forged or late answer for another query cannot be matched; the answer gets the client's id
 * back. An upstream that times out, fails, or answers SERVFAIL/REFUSED makes us try the next.
 */
import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import { randomInt } from "node:crypto";
import { messageId, withId, RCODE_REFUSED, RCODE_SERVFAIL } from "./wire.js";
import { FrameReader, frame } from "./tcpFraming.js";

export interface ForwardOptions {
  upstreams: string[];
  port: number;
  timeoutMs: number;
  /** Aborted when the server closes: pending attempts end at once. */
  signal: AbortSignal;
}

export type Transport = "udp" | "tcp";

/** The upstream's response with the client's id, or undefined when no upstream answered usefully. */
export async function forwardQuery(query: Buffer, transport: Transport, o: ForwardOptions): Promise<Buffer | undefined> {
  const clientId = messageId(query);
  let fallback: Buffer | undefined;
  for (const upstream of o.upstreams) {
    if (o.signal.aborted) return undefined;
    const id = randomInt(0, 0x10000);
    const attempt = transport === "udp" ? udpAttempt : tcpAttempt;
    const resp = await attempt(withId(query, id), upstream, o).catch(() => undefined);
    if (!resp || messageId(resp) !== id || (resp[2]! & 0x80) === 0) continue;
    const rcode = resp[3]! & 0x0f;
    const relayed = withId(resp, clientId);
    if (rcode === RCODE_SERVFAIL || rcode === RCODE_REFUSED) {
      fallback = relayed;
      continue;
    }
    return relayed;
  }
  return fallback;
}

function udpAttempt(query: Buffer, upstream: string, o: ForwardOptions): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(isIPv6(upstream) ? "udp6" : "udp4");
    const id = messageId(query);
    let done = false;
    const finish = (r: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal.removeEventListener("abort", onAbort);
      sock.close();
      resolve(r);
    };
    const onAbort = () => finish(undefined);
    const timer = setTimeout(() => finish(undefined), o.timeoutMs);
    o.signal.addEventListener("abort", onAbort);
    sock.on("error", () => finish(undefined));
    sock.on("message", (msg, rinfo) => {
      // Only the upstream we asked, with our id; anything else is ignored, not fatal.
      if (rinfo.address === upstream && rinfo.port === o.port && messageId(msg) === id) finish(msg);
    });
    sock.send(query, o.port, upstream, (err) => {
      if (err) finish(undefined);
    });
  });
}

function tcpAttempt(query: Buffer, upstream: string, o: ForwardOptions): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: upstream, port: o.port });
    const reader = new FrameReader();
    let done = false;
    const finish = (r: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal.removeEventListener("abort", onAbort);
      sock.destroy();
      resolve(r);
    };
    const onAbort = () => finish(undefined);
    const timer = setTimeout(() => finish(undefined), o.timeoutMs);
    o.signal.addEventListener("abort", onAbort);
    sock.on("error", () => finish(undefined));
    sock.on("close", () => finish(undefined));
    sock.on("connect", () => sock.write(frame(query)));
    sock.on("data", (chunk) => {
      for (const msg of reader.push(chunk)) {
        if (messageId(msg) === messageId(query)) return finish(msg);
      }
    });
  });
}
