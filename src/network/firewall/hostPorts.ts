/**
 * Host ports for kernel DNAT (--userland-proxy=false): without a proxy binding them, berth
 * picks them itself. A port is free when no other berth container publishes it and a test
 * bind on the host address succeeds; "0" takes a kernel-chosen ephemeral port, "lo-hi" the
 * first free one of the range. (Docker keeps such a socket open; berth's DNAT rules take the
 * packets before any socket would, so the port is checked, not held.)
 */
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { conflict } from "../../errors/EngineError.js";
import type { PortMapping } from "../ports/portSpec.js";
import type { PublishedPort } from "../NetworkStore.js";

function tryBind(proto: "tcp" | "udp", hostIp: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    if (proto === "tcp") {
      const srv = createServer();
      srv.once("error", () => resolve(undefined));
      srv.listen({ host: hostIp, port, exclusive: true }, () => {
        const got = (srv.address() as { port: number }).port;
        srv.close(() => resolve(got));
      });
    } else {
      const sock = createSocket("udp4");
      sock.once("error", () => {
        sock.close();
        resolve(undefined);
      });
      sock.bind({ address: hostIp, port, exclusive: true }, () => {
        const got = sock.address().port;
        sock.close(() => resolve(got));
      });
    }
  });
}

const key = (proto: string, port: number) => `${proto}/${port}`;

/** Chooses the host port of every mapping; Conflict with Docker's words when one is taken. */
export async function chooseHostPorts(mappings: PortMapping[], inUse: PublishedPort[]): Promise<PublishedPort[]> {
  const taken = new Set(inUse.map((p) => key(p.proto, p.hostPort)));
  const out: PublishedPort[] = [];
  for (const m of mappings) {
    const busy = () => conflict(`Bind for ${m.hostIp}:${m.hostPort} failed: port is already allocated`);
    let chosen: number | undefined;
    if (m.hostPort === "0") {
      for (let i = 0; i < 20 && chosen === undefined; i++) {
        const p = await tryBind(m.proto, m.hostIp, 0);
        if (p !== undefined && !taken.has(key(m.proto, p))) chosen = p;
      }
    } else {
      const [lo, hi] = m.hostPort.split("-").map(Number) as [number, number | undefined];
      for (let p = lo; p <= (hi ?? lo) && chosen === undefined; p++) {
        if (!taken.has(key(m.proto, p)) && (await tryBind(m.proto, m.hostIp, p)) !== undefined) chosen = p;
      }
    }
    if (chosen === undefined) throw busy();
    taken.add(key(m.proto, chosen));
    out.push({ proto: m.proto, hostIp: m.hostIp, hostPort: chosen, containerIp: m.containerIp, containerPort: m.containerPort });
  }
  return out;
}
