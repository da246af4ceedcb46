/**
 * The contract between the engine and the network service (docs/networking.md). The engine
 * decides the namespace mode (host / none / container:<id> are engine matters); everything
 * about bridge networks — records, addresses, links, rules, ports, DNS — is the network
 * service's. Wire types are imported type-only (pure data).
 */
import type { PortMap } from "../api/types/container.js";
import type { EndpointSettings } from "../api/types/network.js";

/** What the network service needs to know about a container to connect it. */
export interface ContainerNetInfo {
  id: string;
  /** Without the leading "/". */
  name: string;
  /** The container's hostname (DNS answers it too). */
  hostname: string;
  /**
   * Endpoint configuration per network, keyed by network NAME as recorded at create/connect
   * (aliases, IPAMConfig.IPv4Address for --ip, MacAddress). The first key is
   * HostConfig.NetworkMode's network; the default route goes through the endpoint with the
   * highest GwPriority, ties to the first key, never an internal network (docs/networking.md).
   */
  endpoints: Record<string, EndpointSettings>;
  /** HostConfig.PortBindings ("80/tcp" → [{HostIp, HostPort}]). */
  portBindings: PortMap;
  /** -P: every exposed port gets a random host port. */
  publishAll: boolean;
  /** Config.ExposedPorts keys ("80/tcp"). */
  exposedPorts: string[];
  labels: Record<string, string>;
  /**
   * HostConfig.Dns (--dns). On a network served by berth's resolver they become that
   * container's upstreams (its names keep resolving; Docker's embedded DNS does the same);
   * elsewhere the engine writes them into resolv.conf itself.
   */
  dns?: string[];
}

/** What start needs from setUp. */
export interface NetworkSetup {
  /** The netns file the OCI spec joins ({type: "network", path}). */
  netnsPath: string;
  /** /etc/hosts lines for the container's own addresses ("172.18.0.2\t<hostname>"). */
  hostsEntries: string[];
  /** Whole /etc/resolv.conf. */
  resolvConf: string;
  /**
   * True when resolvConf names berth's resolver, which forwards to the container's `dns`
   * (or the host's nameservers): the engine keeps its nameserver line and applies only
   * --dns-search / --dns-option. False/absent: --dns replaces the nameservers (default bridge).
   */
  embeddedDns?: boolean;
  /**
   * setUp with `deferLinks`: resolves once the container's links and published ports are made;
   * the container's process must not start before (the caller awaits it after creating the
   * container, so the kernel's work runs meanwhile). Rejects after undoing this set-up.
   * Absent: everything is made already.
   */
  ready?: Promise<void>;
}

/** A running container's attachments, for inspect / ps / port. */
export interface ContainerNetworkView {
  /** By network name, with IPAddress, Gateway, MacAddress, NetworkID, EndpointID, DNSNames filled. */
  networks: Record<string, EndpointSettings>;
  /** NetworkSettings.Ports: every exposed/published "port/proto" → bindings (null = exposed, not published). */
  ports: PortMap;
}

export interface ContainerNetworking {
  /**
   * At create: resolves `mode` (a network name or id, or "bridge"; never host/none/container:)
   * and the user's endpoint configs; checks static addresses against the network's subnet and
   * port binding syntax. Returns the endpoint map to record, keyed by network name, first the
   * mode's network. NotFound for an unknown network, InvalidArgument for bad values.
   * `labels` (the container's Config.Labels, optional): the network policy label
   * `berth.network.allow` is checked too (src/network/policy).
   */
  validate(mode: string, endpoints: Record<string, EndpointSettings> | undefined, portBindings: PortMap, exposedPorts: string[], labels?: Record<string, string>): Record<string, EndpointSettings>;
  /**
   * At start: netns, endpoints, port proxy, DNS names. Undoes itself on failure. With
   * `deferLinks`, resolves as soon as the netns path and the addresses are known, and the
   * links and published ports follow in NetworkSetup.ready (which the caller must await before
   * the container's process starts); without it, everything is made when it resolves.
   */
  setUp(c: ContainerNetInfo, opts?: { deferLinks?: boolean }): Promise<NetworkSetup>;
  /** At exit / remove / failed start: everything setUp made is gone. Idempotent. */
  tearDown(containerId: string): Promise<void>;
  /**
   * The start a setUp belonged to has ended (started or failed): work the service holds back
   * while a start goes on (the warm netns pool's refill) may follow shortly.
   */
  startFinished?(containerId: string): void;
  /** The netns file of a set-up container (for container:<id> mode), or undefined. */
  netnsPath(containerId: string): string | undefined;
  view(containerId: string, c: ContainerNetInfo): ContainerNetworkView;
  /**
   * Connects a running (set-up) container to one more network now; returns the endpoint config
   * to record. Conflict if already connected.
   */
  connect(network: string, c: ContainerNetInfo, cfg: EndpointSettings): Promise<{ name: string; settings: EndpointSettings }>;
  /** Disconnects a running container from a network now. */
  disconnect(network: string, containerId: string): Promise<void>;
  /**
   * Resolves a network name/id/prefix to its name (NotFound otherwise), for connect/disconnect
   * of a stopped container (the engine only edits its record then).
   */
  resolveName(network: string): string;
  /**
   * After the engine renamed a container (running or not): DNS and inspect's Containers use the
   * new name at once, the old one is no longer answered. Optional: without it the new name
   * shows from the next start.
   */
  rename?(containerId: string, newName: string): void;
  /**
   * `network disconnect --force` of a container the engine no longer has (Docker's
   * ForceEndpointDelete): the stale endpoint on `network` whose container name or id (or unique
   * id prefix) is `container` is deleted; when it was that container's last endpoint, its
   * netns and port proxy go too. NotFound when the network has no such endpoint. Optional.
   */
  forceDisconnect?(network: string, container: string): Promise<void>;
  /** At daemon start: adopt set-up containers still running, tear down the rest. */
  restore(running: ContainerNetInfo[]): Promise<void>;
}
