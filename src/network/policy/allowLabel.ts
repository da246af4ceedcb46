/**
 * The container label `berth.network.allow` (issue 5, docs/networking.md "Policy"): a
 * comma-separated list of rules `<target>[:<port>[/<proto>]]` naming what the container may
 * open connections to. Parsed at container create (syntax only: a named target may start
 * later) and again whenever rules are computed.
 */
import { invalidArgument } from "../../errors/EngineError.js";
import { formatSubnet, parseCidr, parseIPv4 } from "../ipam/ipv4.js";

export const ALLOW_LABEL = "berth.network.allow";

export type AllowTarget =
  /** A container name, network alias, short id or hostname on one of the container's networks. */
  | { kind: "name"; name: string }
  /** An IPv4 address ("/32") or canonical CIDR. */
  | { kind: "cidr"; cidr: string }
  /** The gateway addresses of the container's networks (the host as the container sees it). */
  | { kind: "host" };

export interface AllowRule {
  target: AllowTarget;
  /** Absent: every protocol and port of the target. */
  ports?: { proto: "tcp" | "udp"; from: number; to: number };
  /** The rule as written (nft comment, messages). */
  text: string;
}

// Docker's container name charset (moby daemon/names: [a-zA-Z0-9][a-zA-Z0-9_.-]+); aliases use it too.
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const PORT = /^[1-9][0-9]{0,4}$/;

/** The label's rules, or undefined when the label is absent (no policy). */
export function allowRulesOf(labels: Record<string, string> | undefined): AllowRule[] | undefined {
  const v = labels?.[ALLOW_LABEL];
  return v === undefined ? undefined : parseAllowLabel(v);
}

/**
 * Parses the label's value. An empty value is a valid policy that allows nothing but DNS.
 * InvalidArgument naming the label and the offending rule otherwise.
 */
export function parseAllowLabel(value: string): AllowRule[] {
  if (value.trim() === "") return [];
  return value.split(",").map((raw) => parseRule(raw.trim(), raw));
}

function parseRule(text: string, raw: string): AllowRule {
  const bad = (why: string) => invalidArgument(`invalid label ${ALLOW_LABEL}: rule ${JSON.stringify(raw.trim())}: ${why}`);
  if (text === "") throw bad("empty rule (two commas in a row, or a trailing comma)");
  const colon = text.indexOf(":");
  const targetText = colon < 0 ? text : text.slice(0, colon);
  const portText = colon < 0 ? undefined : text.slice(colon + 1);
  const rule: AllowRule = { target: parseTarget(targetText, bad), text };
  if (portText !== undefined) rule.ports = parsePorts(portText, bad);
  return rule;
}

function parseTarget(t: string, bad: (why: string) => Error): AllowTarget {
  if (t === "") throw bad("no target (want a container name, an IPv4 address or CIDR, or host)");
  if (t === "host") return { kind: "host" };
  if (t.includes("/")) {
    const c = parseCidr(t);
    if (!c) throw bad(`${JSON.stringify(t)} is not an IPv4 CIDR`);
    return { kind: "cidr", cidr: formatSubnet(c.subnet) };
  }
  // Dotted digits are an address (a name may be all digits, like a short id, but has no dots then).
  if (/^[0-9.]+$/.test(t) && t.includes(".")) {
    if (parseIPv4(t) === undefined) throw bad(`${JSON.stringify(t)} is not an IPv4 address`);
    return { kind: "cidr", cidr: `${t}/32` };
  }
  if (!NAME.test(t)) throw bad(`${JSON.stringify(t)} is not a valid container name or alias (allowed: [a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  return { kind: "name", name: t.toLowerCase() };
}

function parsePorts(p: string, bad: (why: string) => Error): NonNullable<AllowRule["ports"]> {
  const slash = p.indexOf("/");
  const range = slash < 0 ? p : p.slice(0, slash);
  const proto = slash < 0 ? "tcp" : p.slice(slash + 1).toLowerCase();
  if (proto !== "tcp" && proto !== "udp") throw bad(`protocol ${JSON.stringify(proto)}: want tcp or udp`);
  const [a, b, ...rest] = range.split("-");
  const port = (x: string | undefined) => {
    if (x === undefined || !PORT.test(x) || Number(x) > 65535) throw bad(`port ${JSON.stringify(range)}: want a port 1-65535 or a range a-b`);
    return Number(x);
  };
  if (rest.length > 0) throw bad(`port ${JSON.stringify(range)}: want a port 1-65535 or a range a-b`);
  const from = port(a);
  const to = b === undefined ? from : port(b);
  if (to < from) throw bad(`port range ${range} is reversed`);
  return { proto, from, to };
}

/**
 * For the engine at create (modes the network service never sees): a policy cannot be enforced
 * in the host's netns or in another container's, so the label is refused there rather than
 * silently ignored. `none` is fine (nothing is reachable anyway).
 */
export function checkAllowLabelMode(modeKind: "network" | "host" | "none" | "container", labels: Record<string, string> | undefined): void {
  if (labels?.[ALLOW_LABEL] === undefined) return;
  parseAllowLabel(labels[ALLOW_LABEL]!);
  if (modeKind === "host" || modeKind === "container") {
    throw invalidArgument(`invalid label ${ALLOW_LABEL}: network mode ${modeKind} shares a network namespace berth does not own, where the policy cannot be enforced; use a bridge network`);
  }
}
