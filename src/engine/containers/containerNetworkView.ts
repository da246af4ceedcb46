/**
 * How a container's networking reads in inspect and ps (Docker's shapes). Pure functions over
 * the record and, for a running bridged container, the network service's live view.
 */
import type { NetworkSettings, Port, PortMap } from "../../api/types/container.js";
import type { EndpointSettings } from "../../api/types/network.js";
import type { ContainerNetworkView } from "../../network/types.js";
import type { ContainerRecord } from "./ContainerRecord.js";

/** HostConfig.NetworkMode parsed: Docker's modes; a network name/id for bridged containers. */
export type NetModeSpec =
  | { kind: "host" }
  | { kind: "none" }
  | { kind: "container"; target: string }
  | { kind: "network"; network: string };

export function parseNetworkMode(mode: string | undefined): NetModeSpec {
  const m = mode ?? "";
  if (m === "host") return { kind: "host" };
  if (m === "none") return { kind: "none" };
  if (m.startsWith("container:")) return { kind: "container", target: m.slice("container:".length) };
  if (m === "" || m === "default") return { kind: "network", network: "bridge" };
  return { kind: "network", network: m };
}

/** An EndpointSettings with every field Docker shows, `s` over the empty values. */
export function endpointView(s: EndpointSettings = {}): EndpointSettings {
  return {
    IPAMConfig: null, Links: null, Aliases: null, MacAddress: "", DriverOpts: null, GwPriority: 0, NetworkID: "", EndpointID: "",
    Gateway: "", IPAddress: "", IPPrefixLen: 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DNSNames: null,
    ...s,
  };
}

/**
 * The networks of a container that is not running (or has no live view): host/none by mode,
 * nothing for container:<id>, else the recorded endpoint configs with no addresses (Docker
 * keeps NetworkID, aliases, a configured MAC and --ip; the rest exists only while it runs).
 */
export function recordedNetworks(rec: ContainerRecord): Record<string, EndpointSettings> {
  const mode = parseNetworkMode(rec.hostConfig.NetworkMode);
  if (mode.kind === "host" || mode.kind === "none") return { [mode.kind]: endpointView() };
  if (mode.kind === "container") return {};
  const out: Record<string, EndpointSettings> = {};
  for (const [name, s] of Object.entries(rec.endpoints ?? {})) {
    out[name] = endpointView({
      ...s, EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DNSNames: null,
    });
  }
  return out;
}

/** What inspect needs from a running bridged container. */
export interface LiveNetwork { view: ContainerNetworkView; sandboxKey: string }

/**
 * NetworkSettings for inspect. Docker fills the deprecated top-level address fields only for
 * a container on the default "bridge" network; Networks carries every attachment.
 */
export function networkSettingsView(rec: ContainerRecord, live?: LiveNetwork): NetworkSettings {
  const networks = live ? Object.fromEntries(Object.entries(live.view.networks).map(([k, v]) => [k, endpointView(v)])) : recordedNetworks(rec);
  const legacy = live ? networks.bridge : undefined;
  return {
    Bridge: "", SandboxID: "", SandboxKey: live?.sandboxKey ?? "", Ports: live ? live.view.ports : {}, HairpinMode: false,
    LinkLocalIPv6Address: "", LinkLocalIPv6PrefixLen: 0, SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
    EndpointID: legacy?.EndpointID ?? "", Gateway: legacy?.Gateway ?? "", GlobalIPv6Address: legacy?.GlobalIPv6Address ?? "",
    GlobalIPv6PrefixLen: legacy?.GlobalIPv6PrefixLen ?? 0, IPAddress: legacy?.IPAddress ?? "", IPPrefixLen: legacy?.IPPrefixLen ?? 0,
    IPv6Gateway: legacy?.IPv6Gateway ?? "", MacAddress: legacy?.MacAddress ?? "", Networks: networks,
  };
}

/** docker ps's Port objects from NetworkSettings.Ports: one per binding, or one unpublished per exposed port. */
export function portsSummary(ports: PortMap): Port[] {
  const out: Port[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const [num, proto = "tcp"] = key.split("/");
    const PrivatePort = Number(num);
    const Type = proto as Port["Type"];
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort, Type });
      continue;
    }
    for (const b of bindings) out.push({ IP: b.HostIp ?? "", PrivatePort, PublicPort: Number(b.HostPort ?? 0), Type });
  }
  return out;
}
