/**
 * Policy chains as nft text, spliced into berth's table by firewall/nftScript.ts: one regular
 * chain per policy container, jumped to first thing in the forward and input base chains by
 * the container's source addresses. Allowed traffic `return`s (so berth's other forward rules,
 * e.g. network isolation, still apply after it); anything else the container starts is dropped.
 */
import type { PolicyChain } from "./policyRules.js";

const set = (items: string[]) => (items.length === 1 ? items[0]! : `{ ${items.join(", ")} }`);

/** nft string literal: the rule text is checked by the label parser (no quotes or backslashes). */
const comment = (text: string) => `comment ${JSON.stringify(text.slice(0, 120))}`;

/**
 * The rules that send a policy container's traffic into its chain (forward and input). Its
 * IPv6 is dropped outright, matched by its MACs: berth networks are IPv4, but the kernel gives
 * every interface a link-local IPv6 address, which would otherwise reach other containers on
 * the bridge past an IPv4-only policy.
 */
export function policyJumps(chains: PolicyChain[]): string[] {
  const out: string[] = [];
  for (const c of chains) {
    if (c.macs.length > 0) out.push(`meta nfproto ipv6 ether saddr ${set(c.macs)} drop`);
    out.push(`ip saddr ${set(c.sources)} jump ${c.chain}`);
  }
  return out;
}

/** The body of one policy chain. */
export function policyChainRules(c: PolicyChain): string[] {
  const rules = [
    // Replies to connections others opened to it, and the related ICMP, still flow.
    "ct state established,related return",
  ];
  if (c.resolvers.length > 0) {
    rules.push(`ip daddr ${set(c.resolvers)} udp dport 53 return`);
    rules.push(`ip daddr ${set(c.resolvers)} tcp dport 53 return`);
  }
  for (const a of c.allowed) {
    const ports = a.ports ? ` ${a.ports.proto} dport ${a.ports.from === a.ports.to ? a.ports.from : `${a.ports.from}-${a.ports.to}`}` : "";
    rules.push(`ip daddr ${set(a.daddrs)}${ports} return ${comment(a.comment)}`);
  }
  rules.push("drop");
  return rules;
}

/**
 * Everything policies add to berth's table, as lines inside `table inet <T> { ... }`: two base
 * chains of their own just before berth's filter chains (priority filter - 1), so they neither
 * depend on nor reorder the other chains, and one allow chain per policy container. A `return`
 * ends the policy base chain with its accept policy: the packet goes on to berth's other
 * chains (isolation still applies). Nothing when there is no policy.
 */
export function policyTableLines(chains: PolicyChain[]): string[] {
  if (chains.length === 0) return [];
  const out: string[] = [];
  const chain = (name: string, head: string | undefined, rules: string[]) => {
    out.push(`\tchain ${name} {`);
    if (head) out.push(`\t\t${head}`);
    for (const r of rules) out.push(`\t\t${r}`);
    out.push("\t}");
  };
  const jumps = policyJumps(chains);
  chain("policy_forward", "type filter hook forward priority filter - 1; policy accept;", jumps);
  chain("policy_input", "type filter hook input priority filter - 1; policy accept;", jumps);
  for (const c of chains) chain(c.chain, undefined, policyChainRules(c));
  return out;
}
