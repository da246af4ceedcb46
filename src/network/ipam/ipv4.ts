/**
 * IPv4 arithmetic on unsigned 32-bit numbers: parse, format, subnets, containment, overlap.
 * Pure (no I/O, no dependencies) so the IPAM and the validation can be tested exhaustively.
 */

/** A subnet in canonical form: `network` has no host bits set. */
export interface Subnet {
  network: number;
  prefix: number;
}

/** 1.2.3.4 → number, or undefined for anything that is not four decimal octets. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    // No signs, no spaces, no leading zeros (Go's net.ParseIP rejects "01" too).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * "a.b.c.d/n" → the address and the prefix; `network` is the address with host bits cleared
 * (Docker accepts 10.1.2.3/24 as a subnet and shows it as 10.1.2.0/24).
 */
export function parseCidr(text: string): { ip: number; prefix: number; subnet: Subnet } | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIPv4(text.slice(0, slash));
  const ptext = text.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9][0-9]?)$/.test(ptext)) return undefined;
  const prefix = Number(ptext);
  if (prefix > 32) return undefined;
  return { ip, prefix, subnet: { network: (ip & maskOf(prefix)) >>> 0, prefix } };
}

export function parseSubnet(text: string): Subnet | undefined {
  return parseCidr(text)?.subnet;
}

export function formatSubnet(s: Subnet): string {
  return `${formatIPv4(s.network)}/${s.prefix}`;
}

/** Number of addresses in the subnet (2^(32-prefix)). */
export function sizeOf(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

export function lastOf(s: Subnet): number {
  return s.network + sizeOf(s) - 1;
}

export function contains(s: Subnet, ip: number): boolean {
  return ip >= s.network && ip <= lastOf(s);
}

/** `inner` lies completely inside `outer`. */
export function containsSubnet(outer: Subnet, inner: Subnet): boolean {
  return inner.prefix >= outer.prefix && contains(outer, inner.network);
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.network <= lastOf(b) && b.network <= lastOf(a);
}

/** Splits `base` into consecutive subnets of `prefix` bits (base itself when prefix ≤ its own). */
export function* splitSubnet(base: Subnet, prefix: number): Generator<Subnet> {
  if (prefix <= base.prefix) {
    yield base;
    return;
  }
  const step = 2 ** (32 - prefix);
  for (let n = base.network; n <= lastOf(base); n += step) yield { network: n, prefix };
}

/** Docker's MAC for an address: 02:42 followed by the four address bytes. */
export function macForIPv4(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** A unicast MAC in colon form (case-insensitive input), normalised to lower case; else undefined. */
export function parseMac(text: string): string | undefined {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  const mac = text.toLowerCase();
  // Bit 0 of the first octet marks a multicast (or broadcast) address: not an interface's.
  if (parseInt(mac.slice(0, 2), 16) & 1) return undefined;
  if (mac === "00:00:00:00:00:00") return undefined;
  return mac;
}
