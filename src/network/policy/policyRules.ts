/**
 * From the parsed allow rules and the endpoint records to what each policy container may reach
 * now: its own addresses (the jump matches them), its networks' gateways (DNS always; `host`
 * targets), and the current addresses of the containers its names point to, looked up only on
 * the networks the policy container is attached to (the names it could resolve). Pure.
 */
import type { EndpointRecord, NetworkRecord } from "../NetworkStore.js";
import type { AllowRule } from "./allowLabel.js";

export interface PolicyContainer {
  id: string;
  name: string;
  rules: AllowRule[];
}

/** One allowed destination: addresses (IPv4 or CIDR), optionally a protocol and port range. */
export interface AllowedTarget {
  daddrs: string[];
  ports?: AllowRule["ports"];
  /** The rule it came from (nft comment). */
  comment: string;
}

export interface PolicyChain {
  containerId: string;
  /** nft chain name (allow_ + 12 hex of the container id). */
  chain: string;
  /** The container's addresses: traffic from them is checked. */
  sources: string[];
  /** Its endpoints' MAC addresses: IPv6 from them (link-local, which berth does not manage) is dropped. */
  macs: string[];
  /** Gateways of its networks: their resolver (udp/tcp 53) is always reachable. */
  resolvers: string[];
  allowed: AllowedTarget[];
}

export function policyChainName(containerId: string): string {
  return `allow_${containerId.slice(0, 12)}`;
}

/**
 * The chains of the policy containers that have endpoints (one without any sends nothing).
 * `networks` are the live networks; endpoints of other networks are ignored.
 */
export function policyChains(policies: PolicyContainer[], networks: NetworkRecord[], endpoints: EndpointRecord[]): PolicyChain[] {
  const byId = new Map(networks.map((n) => [n.id, n]));
  const live = endpoints.filter((e) => byId.has(e.networkId));
  const out: PolicyChain[] = [];
  for (const p of [...policies].sort((a, b) => a.id.localeCompare(b.id))) {
    const mine = live.filter((e) => e.containerId === p.id).sort((a, b) => a.position - b.position);
    if (mine.length === 0) continue;
    const nets = mine.map((e) => byId.get(e.networkId)!);
    const gateways = unique(nets.map((n) => n.gateway ?? "").filter((g) => g !== ""));
    const allowed: AllowedTarget[] = [];
    for (const r of p.rules) {
      let daddrs: string[];
      switch (r.target.kind) {
        case "cidr":
          daddrs = [r.target.cidr];
          break;
        case "host":
          daddrs = gateways;
          break;
        case "name":
          daddrs = addressesOf(r.target.name, nets, live);
          break;
      }
      // A name nobody answers to yet allows nothing until it appears (rules are recomputed then).
      if (daddrs.length > 0) allowed.push({ daddrs, ...(r.ports ? { ports: r.ports } : {}), comment: r.text });
    }
    out.push({ containerId: p.id, chain: policyChainName(p.id), sources: unique(mine.map((e) => e.ip)), macs: unique(mine.map((e) => e.mac.toLowerCase()).filter((m) => m !== "")), resolvers: gateways, allowed });
  }
  return out;
}

/**
 * Addresses of `name` on `nets`: the endpoints whose DNS names (container name, aliases, short
 * id) or hostname match, bare or qualified with the network's name, as the resolver answers them.
 * The default bridge has no names.
 */
function addressesOf(name: string, nets: NetworkRecord[], endpoints: EndpointRecord[]): string[] {
  const out: string[] = [];
  for (const n of nets) {
    if (n.defaultBridge) continue;
    const suffix = `.${n.name.toLowerCase()}`;
    const bare = name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
    for (const e of endpoints) {
      if (e.networkId !== n.id) continue;
      const names = (e.hostname ? [...e.dnsNames, e.hostname] : e.dnsNames).map((x) => x.toLowerCase());
      if (names.includes(name) || names.includes(bare)) out.push(e.ip);
    }
  }
  return unique(out);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
