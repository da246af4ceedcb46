/**
 * The host's IPv4 routes from /proc/net/route: a subnet a host route covers (a LAN, a VPN,
 * another engine's bridge) must not be given to a berth network, or its traffic would be
 * misrouted (moby's netutils.CheckRouteOverlaps). The default route covers everything and is
 * not a conflict.
 */
import { readFile } from "node:fs/promises";
import type { Subnet } from "./ipv4.js";

export interface HostRoute {
  iface: string;
  subnet: Subnet;
}

/** /proc/net/route's addresses are hex of the in-memory (little-endian on x86) u32. */
function hexAddr(hex: string): number {
  const v = parseInt(hex, 16);
  // Byte-swap: the kernel prints the network-order bytes as a host-order integer.
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;
}

function prefixOf(mask: number): number {
  let p = 0;
  while (p < 32 && mask & (0x80000000 >>> p)) p++;
  return p;
}

export function parseProcNetRoute(text: string): HostRoute[] {
  const out: HostRoute[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = hexAddr(f[1]!);
    const mask = hexAddr(f[7]!);
    const prefix = prefixOf(mask);
    if (prefix === 0) continue;
    out.push({ iface: f[0]!, subnet: { network: (dest & mask) >>> 0, prefix } });
  }
  return out;
}

export async function readHostRoutes(path = "/proc/net/route"): Promise<HostRoute[]> {
  try {
    return parseProcNetRoute(await readFile(path, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}
