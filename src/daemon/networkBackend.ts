/**
 * berthd's networking: the network service opened from the daemon's flags; the API's
 * NetworkBackend over it and the container engine (connect and
 * disconnect are container verbs: they run under the container's lock), with Docker's network
 * events; and the container backend's network overlay (live addresses and ports in inspect and
 * ps, the ps `publish`/`expose` filters).
 */
import { readFile } from "node:fs/promises";
import type { ContainerBackend, NetworkBackend } from "../api/backend.js";
import type { Filters } from "../api/filters.js";
import type { ContainerListOptions, ContainerSummary } from "../api/types/container.js";
import type { NetworkResource } from "../api/types/network.js";
import type { ContainerEngine } from "../engine/containers/ContainerEngine.js";
import { liveNetwork, networkInspect } from "../engine/containers/containerNetwork.js";
import { networkSettingsView, portsSummary } from "../engine/containers/containerNetworkView.js";
import { portFiltersMatch } from "../engine/containers/listFilters.js";
import type { EventBus } from "../engine/events/EventBus.js";
import type { LogFn } from "../engine/containers/ContainerContext.js";
import { isEngineError } from "../errors/EngineError.js";
import type { SqliteDatabase } from "../image/metadata/sqlite.js";
import { DnsServer } from "../network/dns/DnsServer.js";
import { hostUpstreams } from "../network/dns/resolvConf.js";
import { NetworkService } from "../network/NetworkService.js";
import { NetHelper } from "../sys/netHelper.js";
import { nftTableName, type DaemonOptions } from "./options.js";

/** The daemon's networking: the service, and what closes it. */
export interface Networking {
  service: NetworkService;
  /** Docker's host-gateway address: the default bridge's gateway (undefined with --bridge none). */
  hostGateway(): string | undefined;
  /** DNS listeners stopped, the netlink helper ended; kernel state stays for the running containers. */
  close(): Promise<void>;
}

/**
 * The netlink helper, the embedded DNS resolver and the network service, from berthd's flags.
 * --ip-forward turns net.ipv4.ip_forward on (only written when it is off), as dockerd does.
 */
export async function openNetworking(opts: DaemonOptions, db: SqliteDatabase, log: LogFn): Promise<Networking> {
  const ops = new NetHelper();
  const dns = new DnsServer({ upstreams: () => hostUpstreams(), log });
  try {
    if (opts.ipForward && (await readFile("/proc/sys/net/ipv4/ip_forward", "utf8").catch(() => "")).trim() !== "1") {
      await ops.sysctl("net.ipv4.ip_forward", "1");
    }
    const service = await NetworkService.open({
      db, ops, dns, log,
      execRoot: opts.execRoot,
      tableName: nftTableName(opts.execRoot),
      defaultBridge: opts.bridge === "none" ? null : { name: opts.bridge, cidr: opts.bip },
      addressPools: opts.defaultAddressPools,
      userlandProxy: opts.userlandProxy,
      icc: opts.icc,
      mtu: opts.mtu,
      ipForward: opts.ipForward,
    });
    return {
      service,
      hostGateway() {
        if (opts.bridge === "none") return undefined;
        try {
          return service.inspect("bridge").IPAM.Config?.[0]?.Gateway || undefined;
        } catch (e) {
          if (isEngineError(e, "NotFound")) return undefined;
          throw e;
        }
      },
      async close() {
        try {
          await service.close();
        } finally {
          await dns.close().catch(() => {});
          ops.close();
        }
      },
    };
  } catch (e) {
    await dns.close().catch(() => {});
    ops.close();
    throw e;
  }
}

export interface NetworkBackendDeps {
  networks: NetworkService;
  containers: ContainerEngine;
  events: EventBus;
}

export function createNetworkBackend({ networks, containers, events }: NetworkBackendDeps): NetworkBackend {
  const publish = (action: "create" | "destroy", n: Pick<NetworkResource, "Id" | "Name" | "Driver">) =>
    events.publish({ Type: "network", Action: action, id: n.Id, attributes: { name: n.Name, type: n.Driver || "bridge" } });
  // The service knows endpoints by container id; the container's current name is the engine's.
  const named = (n: NetworkResource): NetworkResource => {
    for (const [id, c] of Object.entries(n.Containers ?? {})) {
      const rec = containers.store.find(id);
      if (rec) c.Name = rec.name;
    }
    return n;
  };
  return {
    async list(filters: Filters) {
      return (await networks.list(filters)).map(named);
    },
    async inspect(id: string, o: { verbose: boolean }) {
      return named(await networks.inspect(id, { verbose: o.verbose }));
    },
    async create(req) {
      const r = await networks.create(req);
      publish("create", { Id: r.Id, Name: req.Name, Driver: req.Driver || "bridge" });
      return r;
    },
    async remove(id: string) {
      const n = await networks.inspect(id);
      await networks.remove(n.Id);
      publish("destroy", n);
    },
    connect: (id, req) => containers.connectNetwork(req.Container, id, req.EndpointConfig ?? {}),
    async disconnect(id, req) {
      // Force for a container the engine no longer has: its stale endpoint is deleted (moby's
      // ForceEndpointDelete). A container that exists is disconnected the ordinary way.
      const name = req.Container.startsWith("/") ? req.Container.slice(1) : req.Container;
      if (req.Force && !containers.store.find(req.Container)) return networks.forceDisconnect(id, name);
      return containers.disconnectNetwork(req.Container, id);
    },
    async prune(filters: Filters) {
      const before = new Map((await networks.list(new Map())).map((n) => [n.Name, n]));
      const r = await networks.prune(filters);
      for (const name of r.NetworksDeleted ?? []) {
        const n = before.get(name);
        if (n) publish("destroy", n);
      }
      return r;
    },
  };
}

/**
 * The container backend with each container's network as it is now: a running bridged
 * container's addresses, ports and netns (SandboxKey) in inspect and ps, the /etc file paths of
 * the container it shares (container:<id>), and ps's publish/expose filters over that view.
 */
export function withContainerNetworks(inner: ContainerBackend, containers: ContainerEngine): ContainerBackend {
  const ctx = containers.ctx;
  const overlay = (s: ContainerSummary): ContainerSummary => {
    const rec = containers.store.find(s.Id);
    if (!rec) return s;
    const live = liveNetwork(ctx, rec);
    if (!live) return s;
    return { ...s, Ports: portsSummary(live.view.ports), NetworkSettings: { Networks: networkSettingsView(rec, live).Networks } };
  };
  return {
    ...inner,
    async list(o: ContainerListOptions) {
      const f = o.filters;
      const byPorts = f.has("publish") || f.has("expose");
      if (!byPorts) return (await inner.list(o)).map(overlay);
      // The port filters come after the view: take every candidate, filter, then apply the limit.
      const all = await inner.list({ ...o, all: o.all || (o.limit ?? 0) > 0, limit: undefined });
      const out = all.map(overlay).filter((s) => portFiltersMatch(f, s.Ports, Object.keys(containers.store.find(s.Id)?.config.ExposedPorts ?? {})));
      return o.limit && o.limit > 0 ? out.slice(0, o.limit) : out;
    },
    async inspect(id: string, o: { size: boolean }) {
      const out = await inner.inspect(id, o);
      const rec = containers.store.find(out.Id);
      if (!rec) return out;
      const net = networkInspect(ctx, rec);
      return { ...out, NetworkSettings: net.settings, HostsPath: net.etcFiles.hosts, HostnamePath: net.etcFiles.hostname, ResolvConfPath: net.etcFiles.resolvConf };
    },
  };
}
