/**
 * What inspect and ps show of a container's networks: per network its EndpointSettings (live
 * addresses when set up, the recorded config otherwise, as Docker shows a stopped container)
 * and NetworkSettings.Ports (exposed → null, published → the bound host ports).
 */
import type { PortMap } from "../api/types/container.js";
import type { EndpointSettings } from "../api/types/network.js";
import type { ContainerNetInfo, ContainerNetworkView } from "./types.js";
import type { ServiceContext } from "./serviceContext.js";
import { parsePortKey } from "./ports/portSpec.js";

export function containerView(x: ServiceContext, containerId: string, c: ContainerNetInfo): ContainerNetworkView {
  const { store } = x;
  const eps = store.endpointsOfContainer(containerId);
  const networks: Record<string, EndpointSettings> = {};
  if (eps.length === 0) {
    // Not set up (created or stopped): the recorded configs, without addresses (Docker's view).
    for (const [name, cfg] of Object.entries(c.endpoints)) {
      let networkId = cfg.NetworkID ?? "";
      try { networkId = x.lookup(name).id; } catch { /* removed meanwhile */ }
      networks[name] = endpointView(cfg, { NetworkID: networkId, EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, MacAddress: "", DNSNames: null });
    }
    return { networks, ports: {} };
  }
  for (const e of eps) {
    const n = store.network(e.networkId);
    if (!n) continue;
    networks[n.name] = endpointView(e.config, {
      NetworkID: n.id, EndpointID: e.id, Gateway: e.gateway || n.gateway || "", IPAddress: e.ip, IPPrefixLen: e.prefix, MacAddress: e.mac,
      DNSNames: e.dnsNames.length > 0 ? e.dnsNames : null,
    });
  }
  const ns = store.netns(containerId);
  const ports: PortMap = {};
  for (const k of ns?.exposed ?? exposedKeys(c)) ports[k] = null;
  for (const p of ns?.published ?? []) {
    const k = `${p.containerPort}/${p.proto}`;
    (ports[k] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return { networks, ports };
}

/** Exposed ports plus bound ones, as "port/proto" keys (NetworkSettings.Ports lists both). */
export function exposedKeys(c: ContainerNetInfo): string[] {
  const keys = new Set<string>();
  const add = (key: string) => {
    const k = parsePortKey(key);
    for (let p = k.first; p <= k.last; p++) keys.add(`${p}/${k.proto}`);
  };
  for (const k of c.exposedPorts) add(k);
  for (const [k, v] of Object.entries(c.portBindings ?? {})) if (v && v.length > 0) add(k);
  return [...keys];
}

function endpointView(cfg: EndpointSettings, live: Partial<EndpointSettings>): EndpointSettings {
  return {
    IPAMConfig: cfg.IPAMConfig ?? null,
    Links: cfg.Links ?? null,
    Aliases: cfg.Aliases ?? null,
    MacAddress: live.MacAddress ?? "",
    DriverOpts: cfg.DriverOpts ?? null,
    GwPriority: cfg.GwPriority ?? 0,
    NetworkID: live.NetworkID ?? "",
    EndpointID: live.EndpointID ?? "",
    Gateway: live.Gateway ?? "",
    IPAddress: live.IPAddress ?? "",
    IPPrefixLen: live.IPPrefixLen ?? 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    DNSNames: live.DNSNames ?? null,
  };
}
