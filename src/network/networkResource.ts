/** Network records as Docker's NetworkResource, and the list / prune filters (moby's semantics). */
import type { Filters } from "../api/filters.js";
import type { NetworkContainer, NetworkResource } from "../api/types/network.js";
import { invalidArgument } from "../errors/EngineError.js";
import type { EndpointRecord, NetworkRecord } from "./NetworkStore.js";

export function networkResource(n: NetworkRecord, endpoints: EndpointRecord[] | null): NetworkResource {
  const config = n.subnet ? [{ Subnet: n.subnet, ...(n.ipRange ? { IPRange: n.ipRange } : {}), Gateway: n.gateway, ...(Object.keys(n.auxAddresses).length > 0 ? { AuxiliaryAddresses: { ...n.auxAddresses } } : {}) }] : [];
  const containers: Record<string, NetworkContainer> = {};
  for (const e of endpoints ?? []) {
    containers[e.containerId] = { Name: e.containerName, EndpointID: e.id, MacAddress: e.mac, IPv4Address: `${e.ip}/${e.prefix}`, IPv6Address: "" };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: "local",
    Driver: n.driver,
    EnableIPv4: n.driver === "bridge",
    EnableIPv6: false,
    IPAM: { Driver: n.ipamDriver, Options: n.ipamOptions, Config: config },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    Options: { ...n.options },
    Labels: { ...n.labels },
  };
}

/** moby's filters.Match: each value is a regular expression searched in the field. */
function matchesAny(values: ReadonlySet<string>, field: string): boolean {
  for (const v of values) {
    let re: RegExp;
    try {
      re = new RegExp(v);
    } catch {
      if (field.includes(v)) return true;
      continue;
    }
    if (re.test(field)) return true;
  }
  return false;
}

/** label=key or label=key=value, every value must hold (moby's MatchKVList). */
function labelsMatch(values: ReadonlySet<string> | undefined, labels: Record<string, string>): boolean {
  for (const v of values ?? []) {
    const eq = v.indexOf("=");
    if (eq < 0 ? !(v in labels) : labels[v.slice(0, eq)] !== v.slice(eq + 1)) return false;
  }
  return true;
}

function oneBool(f: Filters, name: string): boolean | undefined {
  const vals = f.get(name);
  if (!vals || vals.size === 0) return undefined;
  if (vals.size > 1) throw invalidArgument(`list networks: invalid filter '${name}': more than one value`);
  const v = [...vals][0]!.toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw invalidArgument(`list networks: invalid filter '${name}=${v}'`);
}

/** GET /networks filters: dangling, driver, id, label, name, scope, type (custom|builtin). */
export function listSelector(f: Filters): (n: NetworkRecord, endpointCount: number) => boolean {
  const dangling = oneBool(f, "dangling");
  for (const t of f.get("type") ?? []) {
    if (t !== "custom" && t !== "builtin") throw invalidArgument(`list networks: invalid filter: 'type'='${t}'`);
  }
  return (n, count) => {
    if (f.has("driver") && !matchesAny(f.get("driver")!, n.driver)) return false;
    if (f.has("id") && !matchesAny(f.get("id")!, n.id)) return false;
    if (f.has("name") && !matchesAny(f.get("name")!, n.name)) return false;
    if (!labelsMatch(f.get("label"), n.labels)) return false;
    if (f.has("scope") && !f.get("scope")!.has("local")) return false;
    if (f.has("type") && !f.get("type")!.has(n.predefined ? "builtin" : "custom")) return false;
    // Dangling: a user network no container uses (predefined ones never are).
    if (dangling !== undefined && dangling !== (!n.predefined && count === 0)) return false;
    return true;
  };
}

/** prune's `until`: a unix time, an RFC 3339 time, or a Go duration back from now ("24h"). */
export function parseUntil(v: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (/^((\d+(\.\d+)?)(h|m|s|ms))+$/.test(v)) {
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as "h" | "m" | "s" | "ms"];
    return now - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`prune networks: failed to parse value as time or duration: "${v}"`);
  return t;
}

/** POST /networks/prune filters: label, label!, until. */
export function pruneSelector(f: Filters, now = Date.now()): (n: NetworkRecord) => boolean {
  const until = [...(f.get("until") ?? [])].map((v) => parseUntil(v, now));
  return (n) => {
    if (!labelsMatch(f.get("label"), n.labels)) return false;
    for (const v of f.get("label!") ?? []) {
      const eq = v.indexOf("=");
      if (eq < 0 ? v in n.labels : n.labels[v.slice(0, eq)] === v.slice(eq + 1)) return false;
    }
    const created = Date.parse(n.created);
    return until.every((u) => created < u);
  };
}
