/**
 * berth's whole nftables table as one script, generated from the network records: the table is
 * declared, deleted and declared again with every chain in one transaction, so applying it is
 * atomic and idempotent and never leaves a rule of a removed network behind. Only berth's own
 * table is touched; base chains use policy accept so the host's own policy decides the rest.
 * The chains are documented in src/network/README.md.
 */
import { policyTableLines } from "../policy/nftPolicy.js";
import type { PolicyChain } from "../policy/policyRules.js";

export interface FirewallNetwork {
  bridge: string;
  /** Canonical subnet, e.g. 172.18.0.0/16 */
  subnet: string;
  internal: boolean;
  icc: boolean;
  masquerade: boolean;
}

/** A published port served by kernel DNAT (--userland-proxy=false). */
export interface DnatRule {
  proto: "tcp" | "udp";
  /** "0.0.0.0" = every local address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  /** The bridge the container sits on (for hairpin masquerade). */
  bridge: string;
}

export interface FirewallState {
  table: string;
  networks: FirewallNetwork[];
  dnat: DnatRule[];
  /** Containers with a berth.network.allow label (src/network/policy): a chain each. */
  policies?: PolicyChain[];
}

/** Names are checked before they get here; quoting keeps nft from reading them as keywords. */
const q = (name: string) => `"${name}"`;

function set(items: string[]): string {
  return items.length === 1 ? items[0]! : `{ ${items.join(", ")} }`;
}

export function nftScript(s: FirewallState): string {
  const nets = [...s.networks].sort((a, b) => a.bridge.localeCompare(b.bridge));
  const bridges = nets.map((n) => q(n.bridge));
  const forward: string[] = [];
  const raw: string[] = [];
  const postrouting: string[] = [];
  const prerouting: string[] = [];
  const output: string[] = [];

  if (nets.length > 0) {
    for (const n of nets) {
      const br = q(n.bridge);
      // An internal network reaches nothing outside its bridge and nothing outside reaches it.
      if (n.internal) {
        forward.push(`iifname ${br} oifname != ${br} drop`);
        forward.push(`oifname ${br} iifname != ${br} drop`);
      }
      // Isolation between berth networks (Docker's DOCKER-ISOLATION stages).
      const others = bridges.filter((b) => b !== br);
      if (others.length > 0) forward.push(`iifname ${br} oifname ${set(others)} drop`);
      // icc=false: same-bridge traffic seen by netfilter (br_netfilter) is dropped; the bridge
      // ports are isolated too, which covers hosts without br_netfilter.
      if (!n.icc) forward.push(`iifname ${br} oifname ${br} drop`);
    }
    forward.push(`oifname ${set(bridges)} ct state established,related accept`);
    // A container must not reach the host's loopback services through its gateway
    // (route_localnet, enabled for DNAT of 127.0.0.1 bindings, would allow it). Checked at raw
    // priority, before conntrack undoes NAT: a reply to a host connection that was DNATed from
    // 127.0.0.1 carries the gateway as destination here, and only becomes 127.0.0.1 later.
    raw.push(`iifname ${set(bridges)} ip daddr 127.0.0.0/8 drop`);
    for (const n of nets) {
      if (!n.internal && n.masquerade) postrouting.push(`ip saddr ${n.subnet} oifname != ${q(n.bridge)} masquerade`);
    }
  }

  for (const d of [...s.dnat].sort(compareDnat)) {
    const target = `dnat ip to ${d.containerIp}:${d.containerPort}`;
    const match = `${d.hostIp === "0.0.0.0" ? "" : `ip daddr ${d.hostIp} `}${d.proto} dport ${d.hostPort}`;
    const loopback = d.hostIp.startsWith("127.");
    // Traffic from elsewhere arrives through prerouting; the host's own through output.
    // A loopback binding is reachable from the host only.
    if (!loopback) prerouting.push(`fib daddr type local ${match} ${target}`);
    output.push(`fib daddr type local ${match} ${target}`);
    // Hairpin: a container reaching its own published port must see the reply come back
    // through the host, so its source is rewritten.
    postrouting.push(`ip saddr ${d.containerIp} ip daddr ${d.containerIp} ${d.proto} dport ${d.containerPort} masquerade`);
    // Host-originated loopback traffic rewritten to a container needs a non-loopback source.
    if (d.hostIp === "0.0.0.0" || loopback) postrouting.push(`ip saddr 127.0.0.0/8 ip daddr ${d.containerIp} oifname ${q(d.bridge)} ${d.proto} dport ${d.containerPort} masquerade`);
  }

  const out = [`table inet ${s.table}`, `delete table inet ${s.table}`, `table inet ${s.table} {`];
  const chain = (name: string, head: string, rules: string[]) => {
    out.push(`\tchain ${name} {`, `\t\t${head}`);
    for (const r of rules) out.push(`\t\t${r}`);
    out.push("\t}");
  };
  chain("forward", "type filter hook forward priority filter; policy accept;", forward);
  chain("prerouting_raw", "type filter hook prerouting priority raw; policy accept;", raw);
  chain("postrouting", "type nat hook postrouting priority srcnat; policy accept;", postrouting);
  if (s.dnat.length > 0) {
    chain("prerouting", "type nat hook prerouting priority dstnat; policy accept;", prerouting);
    chain("output", "type nat hook output priority -100; policy accept;", output);
  }
  out.push(...policyTableLines(s.policies ?? []));
  out.push("}");
  return out.join("\n") + "\n";
}

/** The script that removes berth's table (nothing else). */
export function nftDeleteScript(table: string): string {
  return `table inet ${table}\ndelete table inet ${table}\n`;
}

function compareDnat(a: DnatRule, b: DnatRule): number {
  return a.proto.localeCompare(b.proto) || a.hostPort - b.hostPort || a.hostIp.localeCompare(b.hostIp);
}
