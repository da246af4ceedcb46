/**
 * Docker's port settings (HostConfig.PortBindings, -P, Config.ExposedPorts) turned into the
 * mappings berth-proxy takes (docs/networking.md, "Port proxy"). The expansion rules are
 * Docker's (go-connections nat.ParsePortSpec): a container port range is paired port by port
 * with a host range of the same size; a host range for a single container port stays a range
 * ("first free port of it"); an empty host port is a random one.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { PortMap } from "../../api/types/container.js";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";

export interface PortMapping {
  proto: "tcp" | "udp";
  /** IPv4 address to listen on ("0.0.0.0" = every address). */
  hostIp: string;
  /** "0" (random), "8080", or "8000-8010" (first free in the range). */
  hostPort: string;
  containerIp: string;
  containerPort: number;
}

interface PortKey {
  proto: "tcp" | "udp";
  first: number;
  last: number;
}

/** "80/tcp", "80" (tcp), "80-81/udp" → ports and protocol; `what` names the setting in errors. */
export function parsePortKey(key: string, what = "port"): PortKey {
  const slash = key.indexOf("/");
  const portText = slash < 0 ? key : key.slice(0, slash);
  const proto = (slash < 0 ? "tcp" : key.slice(slash + 1)).toLowerCase();
  if (proto === "sctp") throw new EngineError("NotImplemented", `${what} ${key}: sctp ports are not supported`);
  if (proto !== "tcp" && proto !== "udp") throw invalidArgument(`${what} ${key}: invalid proto: ${proto}`);
  const range = parseRange(portText);
  if (!range || range.first === 0) throw invalidArgument(`${what} ${key}: invalid containerPort: ${portText}`);
  return { proto, ...range };
}

/** "P" or "LO-HI", each 0..65535, LO <= HI; undefined when malformed. */
function parseRange(text: string): { first: number; last: number } | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (first > 65535 || last > 65535 || last < first) return undefined;
  return { first, last };
}

function hostIpOf(raw: string | undefined, key: string): string {
  const ip = raw ?? "";
  if (ip === "") return "0.0.0.0";
  // Docker accepts "[::1]" as well as "::1".
  const bare = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  if (isIPv6(bare)) throw new EngineError("NotImplemented", `port binding ${key}: host address ${ip}: IPv6 host addresses are not supported yet`);
  if (!isIPv4(ip)) throw invalidArgument(`port binding ${key}: invalid host address: ${ip}`);
  return ip;
}

/** Mappings of one key's bindings, expanded pairwise over a container port range. */
function expand(key: string, bindings: { HostIp?: string; HostPort?: string }[], containerIp: string): PortMapping[] {
  const k = parsePortKey(key, "port binding");
  const out: PortMapping[] = [];
  const count = k.last - k.first + 1;
  for (const b of bindings) {
    const hostIp = hostIpOf(b.HostIp, key);
    const hostText = b.HostPort ?? "";
    if (hostText === "") {
      for (let i = 0; i < count; i++) out.push({ proto: k.proto, hostIp, hostPort: "0", containerIp, containerPort: k.first + i });
      continue;
    }
    const h = parseRange(hostText);
    if (!h || (h.first === 0 && h.last !== 0)) throw invalidArgument(`port binding ${key}: invalid hostPort: ${hostText}`);
    const hostCount = h.last - h.first + 1;
    if (count === 1) {
      // One container port: a host range is the pool to pick the first free port from.
      out.push({ proto: k.proto, hostIp, hostPort: hostCount === 1 ? String(h.first) : `${h.first}-${h.last}`, containerIp, containerPort: k.first });
      continue;
    }
    if (h.first === 0) {
      for (let i = 0; i < count; i++) out.push({ proto: k.proto, hostIp, hostPort: "0", containerIp, containerPort: k.first + i });
      continue;
    }
    if (hostCount !== count) {
      throw invalidArgument(`port binding ${key}: invalid ranges specified for container and host Ports: ${k.first}-${k.last} and ${hostText}`);
    }
    for (let i = 0; i < count; i++) out.push({ proto: k.proto, hostIp, hostPort: String(h.first + i), containerIp, containerPort: k.first + i });
  }
  return out;
}

/**
 * Every mapping a container needs: its explicit bindings (in key order), then, with -P
 * (publishAll), each exposed port that has no binding, on a random port of 0.0.0.0.
 * InvalidArgument names the bad key or value; NotImplemented for sctp and IPv6 host addresses.
 */
export function mappingsFor(bindings: PortMap, publishAll: boolean, exposedPorts: string[], containerIp: string): PortMapping[] {
  if (!isIPv4(containerIp)) throw invalidArgument(`port mappings: invalid container address: ${containerIp}`);
  const out: PortMapping[] = [];
  const bound = new Set<string>();
  for (const [key, list] of Object.entries(bindings ?? {})) {
    if (!list || list.length === 0) continue;
    const k = parsePortKey(key, "port binding");
    for (let p = k.first; p <= k.last; p++) bound.add(`${p}/${k.proto}`);
    out.push(...expand(key, list, containerIp));
  }
  if (publishAll) {
    for (const key of exposedPorts) {
      const k = parsePortKey(key, "exposed port");
      for (let p = k.first; p <= k.last; p++) {
        if (bound.has(`${p}/${k.proto}`)) continue;
        bound.add(`${p}/${k.proto}`);
        out.push({ proto: k.proto, hostIp: "0.0.0.0", hostPort: "0", containerIp, containerPort: p });
      }
    }
  }
  return out;
}

/** The berth-proxy argument: proto:host_ip:host_port:container_ip:container_port. */
export function formatMapping(m: PortMapping): string {
  return `${m.proto}:${m.hostIp}:${m.hostPort}:${m.containerIp}:${m.containerPort}`;
}
