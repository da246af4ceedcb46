/**
 * Choosing a container address. Dynamic allocation walks the range sequentially from the last
 * address it gave out, wrapping around, so a just-freed address is not handed to the next
 * container at once (moby's bitseq allocator with its "current" cursor).
 */
import { contains, lastOf, parseIPv4, type Subnet } from "./ipv4.js";

export interface AddressSpace {
  subnet: Subnet;
  /** --ip-range: dynamic addresses only from here (inside the subnet). */
  range?: Subnet;
  /** Gateway and auxiliary addresses. */
  reserved: ReadonlySet<number>;
}

/** Whether `ip` may be given to a container at all (static or dynamic). */
export function assignable(space: AddressSpace, ip: number): boolean {
  if (!contains(space.subnet, ip)) return false;
  // Network and broadcast addresses exist only for subnets with room for hosts (/31, /32 have none).
  if (space.subnet.prefix <= 30 && (ip === space.subnet.network || ip === lastOf(space.subnet))) return false;
  return !space.reserved.has(ip);
}

/** The next free address after `last` (wrapping), or undefined when none is left. */
export function nextAddress(space: AddressSpace, used: ReadonlySet<number>, last: number | undefined): number | undefined {
  const r = space.range ?? space.subnet;
  const first = r.network;
  const end = lastOf(r);
  const count = end - first + 1;
  const start = last !== undefined && last >= first && last <= end ? last + 1 : first;
  for (let i = 0; i < count; i++) {
    let ip = start + i;
    if (ip > end) ip -= count;
    if (!used.has(ip) && assignable(space, ip)) return ip;
  }
  return undefined;
}

/** Reserved addresses of a network record: gateway plus AuxiliaryAddresses. */
export function reservedOf(gateway: string | undefined, aux: Record<string, string>): Set<number> {
  const out = new Set<number>();
  for (const a of [gateway, ...Object.values(aux)]) {
    const n = a === undefined ? undefined : parseIPv4(a);
    if (n !== undefined) out.add(n);
  }
  return out;
}
