/**
 * `network create`'s --subnet/--ip-range/--gateway/--aux-address grouped into one IPAM config
 * per subnet, as the docker CLI's createIPAMConfig does: every range, gateway and auxiliary
 * address must fall in exactly the subnet it belongs to; overlapping subnets are refused. Subnets
 * keep the order they were given in (docker's order is a Go map's, i.e. random).
 */
import { isIP } from "node:net";
import { invalidArgument } from "../../../errors/EngineError.js";
import type { IPAMConfig } from "../../../api/types/network.js";

/** An address as a number of its family (v4: 32 bits, v6: 128 bits), or null if it is none. */
export function addressValue(ip: string): { v6: boolean; value: bigint } | null {
  const family = isIP(ip);
  if (family === 4) return { v6: false, value: ip.split(".").reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  if (family !== 6) return null;
  let text = ip;
  // An embedded IPv4 tail ("::ffff:1.2.3.4") becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = addressValue(v4[1]!)!.value;
    text = text.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return { v6: true, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** Go's net.ParseCIDR, as far as containment needs it: the network and its prefix. */
function parseCidr(cidr: string): { v6: boolean; value: bigint; bits: number } | null {
  const slash = cidr.indexOf("/");
  if (slash < 0) return null;
  const a = addressValue(cidr.slice(0, slash));
  const len = cidr.slice(slash + 1);
  if (!a || !/^\d{1,3}$/.test(len) || Number(len) > (a.v6 ? 128 : 32)) return null;
  return { ...a, bits: Number(len) };
}

/** docker's subnetMatches: whether `data` (an address, or the address part of a CIDR) lies in `subnet`. */
function subnetMatches(subnet: string, data: string): boolean {
  const s = parseCidr(subnet);
  if (!s) throw invalidArgument(`invalid subnet: invalid CIDR address: ${subnet}`);
  let ip: { v6: boolean; value: bigint } | null;
  if (data.includes("/")) {
    ip = parseCidr(data);
    if (!ip) throw invalidArgument(`invalid CIDR address: ${data}`);
  } else ip = addressValue(data);
  if (!ip || ip.v6 !== s.v6) return false;
  const width = BigInt(s.v6 ? 128 : 32);
  const shift = width - BigInt(s.bits);
  return ip.value >> shift === s.value >> shift;
}

export interface IpamFlags { subnets: string[]; ipRanges: string[]; gateways: string[]; auxAddresses: [string, string][] }

export function ipamConfigs(f: IpamFlags): IPAMConfig[] {
  if (f.subnets.length < f.ipRanges.length || f.subnets.length < f.gateways.length) {
    throw invalidArgument("every ip-range or gateway must have a corresponding subnet");
  }
  const bySubnet = new Map<string, IPAMConfig>();
  for (const s of f.subnets) {
    for (const k of bySubnet.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) throw invalidArgument("multiple overlapping subnet configuration is not supported");
    }
    bySubnet.set(s, { Subnet: s });
  }
  for (const r of f.ipRanges) {
    if (!parseCidr(r)) throw invalidArgument(`invalid CIDR address: ${r}`);
    let match = false;
    for (const [s, cfg] of bySubnet) {
      if (!subnetMatches(s, r)) continue;
      if (cfg.IPRange) throw invalidArgument(`cannot configure multiple ranges (${r}, ${cfg.IPRange}) on the same subnet (${s})`);
      cfg.IPRange = r;
      match = true;
    }
    if (!match) throw invalidArgument(`no matching subnet for range ${r}`);
  }
  for (const g of f.gateways) {
    let match = false;
    for (const [s, cfg] of bySubnet) {
      if (!subnetMatches(s, g)) continue;
      if (cfg.Gateway) throw invalidArgument(`cannot configure multiple gateways (${g}, ${cfg.Gateway}) for the same subnet (${s})`);
      cfg.Gateway = g;
      match = true;
    }
    if (!match) throw invalidArgument(`no matching subnet for gateway ${g}`);
  }
  for (const [key, addr] of f.auxAddresses) {
    let match = false;
    for (const [s, cfg] of bySubnet) {
      if (!subnetMatches(s, addr)) continue;
      (cfg.AuxiliaryAddresses ??= {})[key] = addr;
      match = true;
    }
    if (!match) throw invalidArgument(`no matching subnet for aux-address ${addr}`);
  }
  return [...bySubnet.values()];
}
