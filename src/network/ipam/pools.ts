/**
 * Address pools for networks created without a subnet (dockerd's --default-address-pool) and
 * the choice of the next free subnet: the first piece of the first pool that overlaps neither
 * another berth network nor a route of the host.
 */
import { invalidArgument } from "../../errors/EngineError.js";
import { formatSubnet, overlaps, parseSubnet, splitSubnet, type Subnet } from "./ipv4.js";

export interface AddressPool {
  /** CIDR, e.g. 172.17.0.0/16 */
  base: string;
  /** Prefix length of the subnets cut from it. */
  size: number;
}

/** moby's defaults (libnetwork/ipamutils): 172.17–172.31 as /16s, then 192.168.0.0/16 as /20s. */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ base: `172.${17 + i}.0.0/16`, size: 16 })),
  { base: "192.168.0.0/16", size: 20 },
];

/** The default bridge's candidates when --bip is not given: 172.17.0.0/16 … 172.31.0.0/16. */
export const DEFAULT_BRIDGE_POOLS: readonly AddressPool[] = DEFAULT_ADDRESS_POOLS.slice(0, 15);

/** Checks pools once at start (a bad --default-address-pool is the user's error). */
export function parsePools(pools: readonly AddressPool[]): { base: Subnet; size: number }[] {
  return pools.map((p) => {
    const base = parseSubnet(p.base);
    if (!base) throw invalidArgument(`default address pool: invalid base ${JSON.stringify(p.base)}`);
    if (!Number.isInteger(p.size) || p.size < base.prefix || p.size > 30) {
      throw invalidArgument(`default address pool: invalid size ${p.size} for ${p.base} (between ${base.prefix} and 30)`);
    }
    return { base, size: p.size };
  });
}

/** The first subnet of the pools overlapping nothing in `taken`, or undefined when all are used. */
export function nextFreeSubnet(pools: readonly AddressPool[], taken: readonly Subnet[]): Subnet | undefined {
  for (const p of parsePools(pools)) {
    for (const s of splitSubnet(p.base, p.size)) {
      if (!taken.some((t) => overlaps(t, s))) return s;
    }
  }
  return undefined;
}

export function describePools(pools: readonly AddressPool[]): string {
  return parsePools(pools).map((p) => `${formatSubnet(p.base)} (/${p.size})`).join(", ");
}
