/**
 * One endpoint's user settings checked against its network (Docker's rules and messages):
 * aliases and --ip only on user-defined networks, a static address inside the subnet and not
 * reserved, a unicast MAC. Also the network's address space for the allocator.
 */
import { EngineError, invalidArgument, notImplemented } from "../errors/EngineError.js";
import type { EndpointSettings } from "../api/types/network.js";
import type { NetworkRecord } from "./NetworkStore.js";
import { assignable, reservedOf, type AddressSpace } from "./ipam/allocate.js";
import { parseIPv4, parseMac, parseSubnet } from "./ipam/ipv4.js";
import { linkAliases } from "./links.js";

/** Checks one endpoint config against its network; returns the config to record. */
export function checkEndpoint(n: NetworkRecord, cfg: EndpointSettings): EndpointSettings {
  const aliases = cfg.Aliases ?? [];
  if (n.defaultBridge && aliases.length > 0) throw invalidArgument("network-scoped alias is supported only for containers in user defined networks");
  const ip = cfg.IPAMConfig?.IPv4Address;
  if (ip) {
    if (n.defaultBridge) throw invalidArgument("user specified IP address is supported on user defined networks only");
    const num = parseIPv4(ip);
    if (num === undefined) throw invalidArgument(`invalid IPv4 address: ${ip}`);
    if (!assignable(addressSpace(n), num)) {
      throw invalidArgument(`no configured subnet or ip-range contain the IP address ${ip} (network ${n.name}, subnet ${n.subnet}; network, broadcast, gateway and auxiliary addresses are reserved)`);
    }
  }
  if (cfg.IPAMConfig?.IPv6Address) throw new EngineError("NotImplemented", `IPv6 address ${cfg.IPAMConfig.IPv6Address}: IPv6 is not supported by berth yet`);
  if (cfg.MacAddress && !parseMac(cfg.MacAddress)) throw invalidArgument(`invalid MAC address: ${cfg.MacAddress}`);
  if (cfg.Links && cfg.Links.length > 0) {
    // moby writes /etc/hosts entries and environment variables for links on the default bridge;
    // berth does not (the engine refuses them at create, docs/networking.md "Links").
    if (n.defaultBridge) throw notImplemented("legacy container links (--link) on the default bridge are not supported by berth: put the containers on a user-defined network and use names or --network-alias");
    linkAliases(cfg.Links);
  }
  for (const a of aliases) if (typeof a !== "string" || a === "") throw invalidArgument(`invalid network alias ${JSON.stringify(a)}`);
  return { ...cfg, NetworkID: n.id };
}

export function addressSpace(n: NetworkRecord): AddressSpace {
  return {
    subnet: parseSubnet(n.subnet!)!,
    range: n.ipRange ? parseSubnet(n.ipRange) : undefined,
    reserved: reservedOf(n.gateway, n.auxAddresses),
  };
}
