/**
 * What the embedded resolver answers itself, like Docker's (moby libnetwork/resolver.go): A for
 * names the network knows, an empty NOERROR for their AAAA (no IPv6 here yet), PTR for
 * in-addr.arpa names of known addresses. Everything else goes upstream.
 */
import { CLASS_IN, TYPE_A, TYPE_AAAA, TYPE_PTR, RCODE_NOERROR, reverseNameToIPv4, type Answer, type DnsQuery } from "./wire.js";

/**
 * The names a listener answers, as the network service keeps them. `client` is the querying
 * socket's source address (IPv4, no "::ffff:" prefix): the service answers per container, with
 * the names of every network that container is attached to (Docker's rule). Implementations
 * that ignore it answer the same to everyone.
 */
export interface DnsRecords {
  /** IPv4 addresses of `name` (lowercase, no trailing dot); [] when unknown. */
  lookup(name: string, client?: string): string[];
  /** The name to answer for a PTR query of `ip`, or undefined. */
  reverse(ip: string, client?: string): string | undefined;
  /**
   * The nameservers to forward `client`'s other queries to (a container's --dns, Docker's
   * per-container ExtDNS); undefined or empty: the server's own upstreams (the host's).
   */
  upstreams?(client?: string): string[] | undefined;
}

export type LocalDecision = { kind: "answer"; rcode: number; answers: Answer[] } | { kind: "forward" };

/** Lowercase, without a trailing dot: the form DnsRecords are asked in. */
export function normalizeName(name: string): string {
  const n = name.endsWith(".") ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/**
 * Decides a query against `records` (null: forward only, the default bridge). `rotation`
 * rotates several addresses so that clients taking the first spread over them (Docker shuffles).
 * `client` (the query's source address) is handed to the records.
 */
export function answerLocally(q: DnsQuery, records: DnsRecords | null, rotation: number, client?: string): LocalDecision {
  if (!records || q.question.class !== CLASS_IN) return { kind: "forward" };
  const name = normalizeName(q.question.name);
  if (name === "") return { kind: "forward" };
  switch (q.question.type) {
    case TYPE_A: {
      const ips = records.lookup(name, client);
      if (ips.length === 0) return { kind: "forward" };
      const start = rotation % ips.length;
      const ordered = [...ips.slice(start), ...ips.slice(0, start)];
      return { kind: "answer", rcode: RCODE_NOERROR, answers: ordered.map((address) => ({ type: TYPE_A, address })) };
    }
    case TYPE_AAAA:
      return records.lookup(name, client).length > 0 ? { kind: "answer", rcode: RCODE_NOERROR, answers: [] } : { kind: "forward" };
    case TYPE_PTR: {
      const ip = reverseNameToIPv4(name);
      const target = ip === undefined ? undefined : records.reverse(ip, client);
      return target === undefined ? { kind: "forward" } : { kind: "answer", rcode: RCODE_NOERROR, answers: [{ type: TYPE_PTR, target }] };
    }
    default:
      return { kind: "forward" };
  }
}
