/**
 * Building network records: a create request checked and resolved into a record (Docker's
 * rules and messages), and the predefined networks. Pure apart from the id: the caller gives
 * everything the checks need (subnets in use, host routes, pools).
 */
import { randomBytes } from "node:crypto";
import { EngineError, conflict, invalidArgument } from "../errors/EngineError.js";
import type { NetworkCreateRequest } from "../api/types/network.js";
import type { NetworkRecord } from "./NetworkStore.js";
import { bridgeSettings, checkBridgeName, DEFAULT_MTU, OPT_BRIDGE_NAME, OPT_DEFAULT_BRIDGE, OPT_ENABLE_ICC, OPT_ENABLE_MASQUERADE, OPT_HOST_BINDING_IPV4, OPT_MTU } from "./bridge/bridgeOptions.js";
import { assignable } from "./ipam/allocate.js";
import { contains, containsSubnet, formatIPv4, formatSubnet, lastOf, overlaps, parseCidr, parseIPv4, parseSubnet, type Subnet } from "./ipam/ipv4.js";
import { nextFreeSubnet, type AddressPool } from "./ipam/pools.js";

/** Docker's network name rule. */
export const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const PREDEFINED = ["bridge", "host", "none"] as const;

export const notImplemented = (msg: string) => new EngineError("NotImplemented", msg);
export const forbidden = (msg: string) => new EngineError("Forbidden", msg);

export function newNetworkId(): string {
  return randomBytes(32).toString("hex");
}

export function nowCreated(): string {
  return new Date().toISOString();
}

export interface CreateContext {
  id: string;
  /** Subnets of berth's networks and of the host's routes. */
  taken: Subnet[];
  pools: readonly AddressPool[];
  /** Bridge interfaces of berth's networks (a name may serve one network only). */
  bridgesInUse: Map<string, string>;
  /** Whether a network of this name exists. */
  nameTaken: (name: string) => boolean;
}

const OVERLAP = "Pool overlaps with other one on this address space";

function checkAddress(text: string, subnet: Subnet, what: string): number {
  const ip = parseIPv4(text);
  if (ip === undefined) throw invalidArgument(`create network: invalid ${what} ${text}`);
  if (!contains(subnet, ip)) throw invalidArgument(`create network: ${what} ${text} is not in subnet ${formatSubnet(subnet)}`);
  return ip;
}

const OPT_ENABLE_IPV6 = "com.docker.network.enable_ipv6";
const OPT_ENABLE_IPV4 = "com.docker.network.enable_ipv4";

/** A request's EnableIPv4/EnableIPv6, else the same switch as a driver option, else `dflt`. */
function enabled(field: boolean | undefined | null, options: Record<string, string> | null | undefined, key: string, dflt: boolean): boolean {
  if (field !== undefined && field !== null) return field;
  const v = options?.[key];
  if (v === undefined) return dflt;
  const b = parseBool(v);
  if (b === undefined) throw invalidArgument(`create network: driver-opt "${key}" is not a valid bool`);
  return b;
}

/** Go's strconv.ParseBool, which moby uses for these options. */
function parseBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

export function buildNetworkRecord(req: NetworkCreateRequest, ctx: CreateContext): NetworkRecord {
  const name = req.Name;
  if (!NETWORK_NAME.test(name)) throw invalidArgument(`create network: invalid network name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (ctx.nameTaken(name)) throw conflict(`network with name ${name} already exists`);
  if ((PREDEFINED as readonly string[]).includes(name)) throw forbidden(`${name} is a pre-defined network and cannot be created`);
  const driver = req.Driver ?? "";
  if (driver !== "" && driver !== "bridge") throw notImplemented(`network driver ${driver} is not supported by berth`);
  // moby also takes both switches as driver options when the request's fields are absent.
  if (enabled(req.EnableIPv6, req.Options, OPT_ENABLE_IPV6, false)) throw notImplemented("create network: IPv6 networks are not supported by berth yet (docs/networking.md, \"IPv6\")");
  if (!enabled(req.EnableIPv4, req.Options, OPT_ENABLE_IPV4, true)) throw notImplemented("create network: networks without IPv4 are not supported by berth");
  if (req.Ingress) throw notImplemented("create network: ingress networks (swarm) are not supported by berth");
  if (req.ConfigOnly || req.ConfigFrom?.Network) throw notImplemented("create network: config-only networks are not supported by berth");
  if (req.Scope && req.Scope !== "local") throw notImplemented(`create network: scope ${req.Scope} is not supported by berth (local only)`);
  const ipamDriver = req.IPAM?.Driver || "default";
  if (ipamDriver !== "default") throw notImplemented(`create network: IPAM driver ${ipamDriver} is not supported by berth`);
  const configs = req.IPAM?.Config ?? [];
  if (configs.length > 1) throw notImplemented("create network: more than one IPAM config (several subnets) is not supported by berth");
  const cfg = configs[0] ?? {};

  let subnet: Subnet;
  if (cfg.Subnet) {
    if (cfg.Subnet.includes(":")) throw notImplemented(`create network: IPv6 subnet ${cfg.Subnet} is not supported by berth yet`);
    const parsed = parseCidr(cfg.Subnet);
    if (!parsed) throw invalidArgument(`invalid subnet ${cfg.Subnet}`);
    if (parsed.ip !== parsed.subnet.network) throw invalidArgument(`invalid subnet ${cfg.Subnet}: it should be ${formatSubnet(parsed.subnet)}`);
    // A /31 or /32 has no room for a gateway and a container.
    if (parsed.prefix > 30) throw invalidArgument(`invalid subnet ${cfg.Subnet}: a bridge network needs at least a /30`);
    subnet = parsed.subnet;
    if (ctx.taken.some((t) => overlaps(t, subnet))) throw forbidden(OVERLAP);
  } else {
    if (cfg.IPRange || cfg.Gateway) throw invalidArgument("every ip-range or gateway must have a corresponding subnet");
    const free = nextFreeSubnet(ctx.pools, ctx.taken);
    if (!free) throw new EngineError("Unavailable", "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    subnet = free;
  }
  let gateway: number;
  if (cfg.Gateway) {
    if (parseIPv4(cfg.Gateway) === undefined) throw invalidArgument(`invalid gateway ${cfg.Gateway}`);
    gateway = checkAddress(cfg.Gateway, subnet, "gateway");
    if (gateway === subnet.network || gateway === lastOf(subnet)) throw invalidArgument(`create network: gateway ${cfg.Gateway} is the network or broadcast address of ${formatSubnet(subnet)}`);
  } else {
    gateway = subnet.network + 1;
  }
  let ipRange: string | undefined;
  if (cfg.IPRange) {
    const r = parseCidr(cfg.IPRange);
    if (!r) throw invalidArgument(`invalid ip-range ${cfg.IPRange}`);
    if (!containsSubnet(subnet, r.subnet)) throw invalidArgument(`create network: ip-range ${cfg.IPRange} is not in subnet ${formatSubnet(subnet)}`);
    ipRange = formatSubnet(r.subnet);
  }
  const aux: Record<string, string> = {};
  for (const [host, addr] of Object.entries(cfg.AuxiliaryAddresses ?? {})) {
    checkAddress(addr, subnet, `auxiliary address ${host}`);
    aux[host] = addr;
  }

  const options = { ...(req.Options ?? {}) };
  const settings = bridgeSettings(options, ctx.id, { icc: true });
  const owner = ctx.bridgesInUse.get(settings.bridge);
  if (owner !== undefined) throw conflict(`create network: bridge ${settings.bridge} is already used by network ${owner}`);
  return {
    id: ctx.id,
    name,
    created: nowCreated(),
    driver: "bridge",
    predefined: false,
    defaultBridge: false,
    subnet: formatSubnet(subnet),
    gateway: formatIPv4(gateway),
    ipRange,
    auxAddresses: aux,
    ipamDriver,
    ipamOptions: req.IPAM?.Options ?? {},
    internal: req.Internal ?? false,
    attachable: req.Attachable ?? false,
    labels: { ...(req.Labels ?? {}) },
    options,
    bridge: settings.bridge,
    mtu: settings.mtu,
    icc: settings.icc,
    masquerade: settings.masquerade,
  };
}

/** host and none: no addresses, nothing in the kernel. */
export function predefinedRecord(name: "host" | "none", id: string): NetworkRecord {
  return {
    id, name, created: nowCreated(), driver: name === "host" ? "host" : "null", predefined: true, defaultBridge: false,
    auxAddresses: {}, ipamDriver: "default", ipamOptions: null, internal: false, attachable: false, labels: {}, options: {},
    mtu: DEFAULT_MTU, icc: true, masquerade: false,
  };
}

/**
 * The default bridge ("bridge"): interface `name`, address from --bip (gateway/prefix) or the
 * given free subnet's first address; Options as dockerd shows them.
 */
export function defaultBridgeRecord(id: string, iface: string, cidr: string, icc: boolean, mtu?: number): NetworkRecord {
  checkBridgeName(iface, "default bridge");
  const c = parseCidr(cidr);
  if (!c || c.prefix > 30) throw invalidArgument(`default bridge: invalid address ${JSON.stringify(cidr)} (want gateway/prefix, e.g. 172.17.0.1/16)`);
  const gateway = c.ip === c.subnet.network ? c.ip + 1 : c.ip;
  if (!assignable({ subnet: c.subnet, reserved: new Set() }, gateway)) throw invalidArgument(`default bridge: ${cidr}: the broadcast address cannot be the gateway`);
  return {
    id, name: "bridge", created: nowCreated(), driver: "bridge", predefined: true, defaultBridge: true,
    subnet: formatSubnet(c.subnet), gateway: formatIPv4(gateway), auxAddresses: {}, ipamDriver: "default", ipamOptions: null,
    internal: false, attachable: false, labels: {},
    options: {
      [OPT_DEFAULT_BRIDGE]: "true",
      [OPT_ENABLE_ICC]: String(icc),
      [OPT_ENABLE_MASQUERADE]: "true",
      [OPT_HOST_BINDING_IPV4]: "0.0.0.0",
      [OPT_BRIDGE_NAME]: iface,
      [OPT_MTU]: String(mtu ?? DEFAULT_MTU),
    },
    bridge: iface, mtu: mtu ?? DEFAULT_MTU, icc, masquerade: true,
    // Only berthd --mtu makes it the user's: then it is the link MTU as is (bridge/mtu.ts).
    ...(mtu !== undefined ? { mtuExplicit: true } : {}),
  };
}

/** gateway/prefix of a bridge network, as bridge_ensure takes it. */
export function bridgeCidr(n: NetworkRecord): string {
  return `${n.gateway}/${parseSubnet(n.subnet!)!.prefix}`;
}
