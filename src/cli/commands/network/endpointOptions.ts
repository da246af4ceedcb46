/**
 * How a container is attached to networks, as the docker CLI builds it: `--network` values
 * (a name, or the long form `name=n,alias=a,ip=...`), the per-container flags (`--ip`,
 * `--network-alias`, `--mac-address`, ...) that apply to the first network, and the
 * EndpointSettings of `run`/`create`'s NetworkingConfig and of `network connect`.
 */
import { invalidArgument } from "../../../errors/EngineError.js";
import type { EndpointSettings } from "../../../api/types/network.js";

/** One `--network` value (docker's opts.NetworkAttachmentOpts). */
export interface NetworkAttachment {
  target: string;
  aliases: string[];
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  linkLocalIPs: string[];
  driverOpts?: Record<string, string>;
  gwPriority?: number;
}

/** The per-container flags that docker applies to the first network. */
export interface ContainerNetworkFlags {
  aliases: string[];
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  linkLocalIPs: string[];
}

/** Not a user-defined network: the modes docker treats specially (no aliases there). */
export function isBuiltinNetworkMode(mode: string): boolean {
  return ["default", "bridge", "host", "none"].includes(mode) || mode.split(":")[0] === "container";
}

/** One record of Go's encoding/csv: commas split, double quotes group ("" is a quote). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === "") quoted = true;
    else if (c === ",") { fields.push(cur); cur = ""; }
    else cur += c;
  }
  if (quoted) throw invalidArgument(`parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`);
  fields.push(cur);
  return fields;
}

function intValue(v: string, what: string): number {
  if (!/^[-+]?\d+$/.test(v)) throw invalidArgument(`invalid ${what}: strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/**
 * A `--network` value (docker's NetworkOpt.Set): a plain name, or the long form when it holds a
 * `word=word` pair. Docker lower-cases keys and values of the long form; so does this.
 */
export function parseNetworkFlag(value: string): NetworkAttachment {
  if (!/\w+=\w+/.test(value)) return { target: value, aliases: [], linkLocalIPs: [] };
  const n: NetworkAttachment = { target: "", aliases: [], linkLocalIPs: [] };
  for (const field of csvFields(value)) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase().trim();
    const val = (eq < 0 ? "" : field.slice(eq + 1)).toLowerCase().trim();
    if (eq < 0 || key === "") throw invalidArgument(`invalid field ${field}`);
    switch (key) {
      case "name": n.target = val; break;
      case "alias": n.aliases.push(val); break;
      case "ip": n.ipv4 = val; break;
      case "ip6": n.ipv6 = val; break;
      case "mac-address": n.mac = val; break;
      case "link-local-ip": n.linkLocalIPs.push(val); break;
      case "driver-opt": {
        const deq = val.indexOf("=");
        if (deq <= 0) throw invalidArgument("invalid key value pair format in driver options");
        (n.driverOpts ??= {})[val.slice(0, deq).trim()] = val.slice(deq + 1).trim();
        break;
      }
      case "gw-priority": n.gwPriority = intValue(val, "gw-priority"); break;
      default: throw invalidArgument(`invalid field key ${key}`);
    }
  }
  if (n.target === "") throw invalidArgument("network name/id is not specified");
  return n;
}

/** `--driver-opt k=v` of `network connect` (docker's convertDriverOpt). */
export function parseDriverOpts(list: readonly string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const o of list) {
    const eq = o.indexOf("=");
    const k = (eq < 0 ? o : o.slice(0, eq)).trim();
    if (eq < 0 || k === "") throw invalidArgument("invalid key/value pair format in driver options");
    out[k] = o.slice(eq + 1).trim();
  }
  return out;
}

/** Go's net.ParseMAC: 6, 8 or 20 octets as `aa:bb:..`, `aa-bb-..` or `aabb.ccdd.eeff`. */
export function isValidMac(s: string): boolean {
  const octets = (n: number) => n === 6 || n === 8 || n === 20;
  const colon = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2})*$/.exec(s);
  if (colon) {
    const sep = s[2];
    return (sep === undefined || !s.includes(sep === ":" ? "-" : ":")) && octets((s.length + 1) / 3);
  }
  if (/^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4})*$/.test(s)) return octets(((s.length + 1) / 5) * 2);
  return false;
}

/**
 * docker's parseNetworkAttachmentOpt: the endpoint settings one attachment asks for. `run`
 * refuses aliases on the built-in modes itself; `network connect` leaves that to the daemon.
 */
export function endpointSettings(n: NetworkAttachment, o: { builtinAliasCheck?: boolean } = {}): EndpointSettings {
  if (n.target.trim() === "") throw invalidArgument("no name set for network");
  if ((o.builtinAliasCheck ?? true) && isBuiltinNetworkMode(n.target) && n.aliases.length > 0) throw invalidArgument("network-scoped aliases are only supported for user-defined networks");
  const ep: EndpointSettings = {};
  if (n.aliases.length) ep.Aliases = [...n.aliases];
  if (n.driverOpts) ep.DriverOpts = { ...n.driverOpts };
  if (n.ipv4 || n.ipv6 || n.linkLocalIPs.length) {
    ep.IPAMConfig = {
      ...(n.ipv4 ? { IPv4Address: n.ipv4 } : {}), ...(n.ipv6 ? { IPv6Address: n.ipv6 } : {}),
      ...(n.linkLocalIPs.length ? { LinkLocalIPs: [...n.linkLocalIPs] } : {}),
    };
  }
  if (n.mac) {
    if (!isValidMac(n.mac.trim())) throw invalidArgument(`${n.mac} is not a valid mac address`);
    ep.MacAddress = n.mac;
  }
  if (n.gwPriority) ep.GwPriority = n.gwPriority;
  return ep;
}

/** docker's applyContainerOptions: the per-container flags land on the first network, never twice. */
function applyContainerFlags(n: NetworkAttachment, f: ContainerNetworkFlags): NetworkAttachment {
  const conflict = (what: string) => invalidArgument(`conflicting options: cannot specify both ${what}`);
  if (n.aliases.length && f.aliases.length) throw conflict("--network-alias and per-network alias");
  if (n.ipv4 && f.ipv4) throw conflict("--ip and per-network IPv4 address");
  if (n.ipv6 && f.ipv6) throw conflict("--ip6 and per-network IPv6 address");
  if (n.mac && f.mac) throw conflict("--mac-address and per-network MAC address");
  if (n.linkLocalIPs.length && f.linkLocalIPs.length) throw conflict("--link-local-ip and per-network link-local IP addresses");
  const out = { ...n, aliases: f.aliases.length ? [...f.aliases] : n.aliases, linkLocalIPs: f.linkLocalIPs.length ? [...f.linkLocalIPs] : n.linkLocalIPs };
  if (f.ipv4) out.ipv4 = f.ipv4;
  if (f.ipv6) out.ipv6 = f.ipv6;
  if (f.mac) out.mac = f.mac;
  return out;
}

/**
 * HostConfig.NetworkMode and NetworkingConfig.EndpointsConfig from the `--network` values and
 * the per-container flags (docker's parseNetworkOpts): no `--network` is the "default" network
 * with an endpoint; one network without options sends no endpoint (the daemon makes it); every
 * further network is an endpoint of its own (the daemon connects them all, API >= 1.44).
 */
export function networkingFor(networks: readonly string[], flags: ContainerNetworkFlags): { mode: string; endpoints: Record<string, EndpointSettings> } {
  if (flags.mac !== undefined && !isValidMac(flags.mac.trim())) throw invalidArgument(`${flags.mac} is not a valid mac address`);
  const endpoints: Record<string, EndpointSettings> = {};
  if (networks.length === 0) {
    endpoints.default = endpointSettings(applyContainerFlags({ target: "default", aliases: [], linkLocalIPs: [] }, flags));
    return { mode: "default", endpoints };
  }
  let userDefined = false, builtin = false;
  networks.forEach((value, i) => {
    let n = parseNetworkFlag(value);
    if (isBuiltinNetworkMode(n.target)) builtin = true;
    else userDefined = true;
    if (i === 0) n = applyContainerFlags(n, flags);
    const ep = endpointSettings(n);
    if (n.target in endpoints) throw invalidArgument(`network ${JSON.stringify(n.target)} is specified multiple times`);
    if (i === 0 && networks.length === 1 && Object.keys(ep).length === 0) return;
    endpoints[n.target] = ep;
  });
  if (userDefined && builtin) throw invalidArgument("conflicting options: cannot attach both user-defined and non-user-defined network-modes");
  return { mode: parseNetworkFlag(networks[0]!).target, endpoints };
}
