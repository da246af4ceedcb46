/**
 * The network service: Docker's network API (list/inspect/create/remove/prune) and the
 * engine's ContainerNetworking contract (src/network/types.ts) over one set of SQLite records,
 * the kernel operations of NetOps and berth's nftables table. See src/network/README.md.
 *
 * Ordering rule (crash safety): whatever is created is recorded first and then made in the
 * kernel; whatever is removed is removed from the kernel first and then from the records. A
 * crash in between leaves a record whose kernel part may or may not exist, and open()/restore()
 * make it whole (bridges are ensured, stale endpoints torn down with "ok if missing" ops).
 */
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { EngineError, invalidArgument, notFound } from "../errors/EngineError.js";
import type { SqliteDatabase } from "../image/metadata/sqlite.js";
import type { Filters } from "../api/filters.js";
import type { PortMap } from "../api/types/container.js";
import type {
  EndpointSettings, NetworkCreateRequest, NetworkCreateResponse, NetworkPruneResponse, NetworkResource,
} from "../api/types/network.js";
import type { NetOps } from "./NetOps.js";
import type { ContainerNetInfo, ContainerNetworking, ContainerNetworkView, NetworkSetup } from "./types.js";
import type { DnsServer } from "./dns/DnsServer.js";
import { NetworkStore, type NetworkRecord } from "./NetworkStore.js";
import { Firewall } from "./firewall/Firewall.js";
import type { DnatRule } from "./firewall/nftScript.js";
import { readHostRoutes } from "./ipam/hostRoutes.js";
import { parseSubnet, type Subnet } from "./ipam/ipv4.js";
import { DEFAULT_ADDRESS_POOLS, DEFAULT_BRIDGE_POOLS, nextFreeSubnet, parsePools } from "./ipam/pools.js";
import { linkMtu } from "./bridge/mtu.js";
import { buildNetworkRecord, bridgeCidr, defaultBridgeRecord, forbidden, newNetworkId, predefinedRecord } from "./networkRecord.js";
import { listSelector, networkResource, pruneSelector } from "./networkResource.js";
import { networkDnsRecords } from "./dnsRecords.js";
import { berthProxy, type PortProxy } from "./portProxy.js";
import { OPT_ENABLE_ICC } from "./bridge/bridgeOptions.js";
import { Attachments } from "./Attachments.js";
import { NetworkPolicies } from "./policy/NetworkPolicies.js";
import type { ServiceContext } from "./serviceContext.js";
import { NetnsPool, POOL_DIR, pooledHostVeth, vethTargetOf } from "./NetnsPool.js";
import { poolVethOps } from "./poolOps.js";

export interface NetworkServiceOptions {
  db: SqliteDatabase;
  ops: NetOps;
  /** netns files at <execRoot>/netns/<container id> */
  execRoot: string;
  /** The nft table (family inet) berth owns. */
  tableName: string;
  /** --bridge/--bip; null = no default "bridge" network (--bridge none). */
  defaultBridge: { name: string; cidr?: string } | null;
  /** --default-address-pool; empty = Docker's defaults. */
  addressPools: { base: string; size: number }[];
  /** true: berth-proxy per container; false: kernel DNAT rules in berth's table. */
  userlandProxy: boolean;
  /** enable_icc of the default bridge. */
  icc: boolean;
  /** berthd --mtu: the default bridge's MTU, used as its link MTU (absent: bridge/mtu.ts's split). */
  mtu?: number;
  /** Turn net.ipv4.ip_forward on once a network with outbound access exists (dockerd's --ip-forward; default true). */
  ipForward?: boolean;
  /** berthd's embedded resolver (listens on each bridge's gateway); null = containers get the host's nameservers. */
  dns: DnsServer | null;
  /** Port the resolver listens on (53; tests may use another). */
  dnsPort?: number;
  proxyBinary?: string;
  /** The port proxy (default: berth-proxy via ports/proxyProcess.ts); tests pass a fake. */
  portProxy?: PortProxy;
  /** default /etc/resolv.conf */
  hostResolvConf?: string;
  /** default /proc/net/route (tests pass a file). */
  hostRoutesFile?: string;
  /** default /proc/sys/net/bridge/bridge-nf-call-iptables (network policies need it; tests pass a file). */
  bridgeNfFile?: string;
  log: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
  /**
   * Network namespaces kept ready for starts (NetnsPool.ts); default 3, 0 = none. The pool
   * begins filling after restore() and is deleted by close().
   */
  netnsPool?: number;
}

const DEFAULT_NETNS_POOL = 3;

export class NetworkService implements ContainerNetworking {
  private readonly store: NetworkStore;
  private readonly firewall: Firewall;
  private readonly ctx: ServiceContext;
  private readonly attachments: Attachments;
  /** berth.network.allow labels (src/network/policy). */
  private readonly policies: NetworkPolicies;
  /** Networks being removed: no new endpoints on them. */
  private readonly removing = new Set<string>();
  /** Networks whose DNS listener is up (their containers get it as nameserver). */
  private readonly dnsUp = new Set<string>();
  private readonly pool: NetnsPool;

  private constructor(private readonly o: NetworkServiceOptions) {
    parsePools(o.addressPools);
    this.store = new NetworkStore(o.db);
    this.firewall = new Firewall(o.ops, o.tableName, { dnatMode: !o.userlandProxy, ipForward: o.ipForward ?? true });
    const live = (id: string) => {
      const n = this.store.network(id);
      return n && !this.removing.has(id) ? n : undefined;
    };
    this.pool = new NetnsPool({
      ops: o.ops, vethOps: poolVethOps(o.ops), dir: join(o.execRoot, POOL_DIR), size: o.netnsPool ?? DEFAULT_NETNS_POOL, log: o.log,
      // Only while there is a bridge network to attach to.
      wanted: () => this.store.networks().some((n) => n.driver === "bridge" && !this.removing.has(n.id)),
      // Veths for the network the last start used, else the default bridge's.
      vethTarget: (recent) => {
        const r = recent ? live(recent) : undefined;
        const t = r && vethTargetOf(r);
        if (t) return t;
        const d = this.store.networkByName("bridge");
        return d?.defaultBridge && live(d.id) ? vethTargetOf(d) : undefined;
      },
      keyOf: (id) => {
        const n = live(id);
        return n && vethTargetOf(n)?.key;
      },
    });
    this.ctx = {
      store: this.store,
      ops: o.ops,
      opts: o,
      proxy: o.portProxy ?? berthProxy(o.proxyBinary),
      lookup: (x) => this.lookup(x),
      usable: (n) => {
        if (this.removing.has(n.id)) throw notFound(`network ${n.name} not found`);
      },
      syncFirewall: () => this.syncFirewall(),
      dnsUp: (id) => this.dnsUp.has(id),
      pool: this.pool,
    };
    this.attachments = new Attachments(this.ctx);
    this.policies = new NetworkPolicies({ db: o.db, ops: o.ops, log: o.log, bridgeNfFile: o.bridgeNfFile });
  }

  /** Schema, predefined networks, every bridge ensured in the kernel, nft table installed, DNS listening. */
  static async open(o: NetworkServiceOptions): Promise<NetworkService> {
    const s = new NetworkService(o);
    // netns_create makes the file, not its directory.
    await mkdir(join(o.execRoot, "netns"), { recursive: true, mode: 0o711 });
    await mkdir(join(o.execRoot, POOL_DIR), { recursive: true, mode: 0o711 });
    await s.ensurePredefined();
    await s.ensureAll();
    return s;
  }

  // --- Network API

  list(filters: Filters): NetworkResource[] {
    const sel = listSelector(filters);
    // Since API 1.28 the list carries no containers (inspect does).
    return this.store.networks().filter((n) => sel(n, this.store.countEndpoints(n.id))).map((n) => networkResource(n, null));
  }

  inspect(idOrName: string, _o?: { verbose?: boolean }): NetworkResource {
    const n = this.lookup(idOrName);
    return networkResource(n, this.store.endpointsOfNetwork(n.id));
  }

  async create(req: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    const routes = await readHostRoutes(this.o.hostRoutesFile);
    // Synchronous from here to the insert: two creates cannot choose the same subnet or name.
    const networks = this.store.networks();
    const ours = new Set(networks.map((n) => n.bridge).filter((b): b is string => !!b));
    const taken: Subnet[] = [
      ...networks.filter((n) => n.subnet).map((n) => parseSubnet(n.subnet!)!),
      // Routes of berth's own bridges are its networks, already counted.
      ...routes.filter((r) => !ours.has(r.iface)).map((r) => r.subnet),
    ];
    const rec = buildNetworkRecord(req, {
      id: newNetworkId(),
      taken,
      pools: this.o.addressPools.length > 0 ? this.o.addressPools : DEFAULT_ADDRESS_POOLS,
      bridgesInUse: new Map(networks.filter((n) => n.bridge).map((n) => [n.bridge!, n.name])),
      nameTaken: (name) => this.store.networkByName(name) !== undefined,
    });
    this.store.insertNetwork(rec);
    try {
      await this.ensureKernel(rec);
      await this.syncFirewall();
    } catch (e) {
      const cleanup: unknown[] = [];
      const attempt = async (what: string, fn: () => Promise<void>) => {
        try { await fn(); } catch (x) { cleanup.push(new Error(`${what}: ${(x as Error).message}`)); }
      };
      await attempt("stop DNS", () => this.stopDns(rec));
      await attempt("delete bridge", () => this.o.ops.bridgeDelete(rec.bridge!));
      this.store.deleteNetwork(rec.id);
      this.firewall.forget(rec.bridge!);
      await attempt("firewall", () => this.syncFirewall());
      const base = e instanceof EngineError ? e : new EngineError("Internal", `create network ${rec.name}: ${(e as Error).message}`);
      throw new EngineError(base.kind, base.message, { cause: e, cleanupErrors: cleanup, detail: base.detail });
    }
    return { Id: rec.id, Warning: "" };
  }

  async remove(idOrName: string): Promise<void> {
    const n = this.lookup(idOrName);
    if (n.predefined) throw forbidden(`${n.name} is a pre-defined network and cannot be removed`);
    if (this.removing.has(n.id)) return;
    if (this.store.countEndpoints(n.id) > 0) throw forbidden(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    this.removing.add(n.id);
    try {
      // The pool's veths on its bridge go first (they are no endpoints: remove never waits for them).
      await this.pool.dropNetwork(n.id);
      // Kernel first, record last: a crash in between leaves a record that open() makes whole again.
      await this.stopDns(n);
      await this.syncFirewall();
      await this.o.ops.bridgeDelete(n.bridge!);
      this.firewall.forget(n.bridge!);
      this.store.deleteNetwork(n.id);
      this.removing.delete(n.id);
    } catch (e) {
      // The network stays: its listener and rules come back (the bridge may still exist).
      this.removing.delete(n.id);
      const cleanup: unknown[] = [];
      await this.ensureKernel(n).catch((x) => cleanup.push(x));
      await this.syncFirewall().catch((x) => cleanup.push(x));
      const base = e instanceof EngineError ? e : new EngineError("Internal", `remove network ${n.name}: ${(e as Error).message}`);
      throw new EngineError(base.kind, base.message, { cause: e, cleanupErrors: cleanup, detail: base.detail });
    }
  }

  async prune(filters: Filters): Promise<NetworkPruneResponse> {
    const sel = pruneSelector(filters);
    const deleted: string[] = [];
    for (const n of this.store.networks()) {
      if (n.predefined || this.store.countEndpoints(n.id) > 0 || !sel(n)) continue;
      try {
        await this.remove(n.id);
        deleted.push(n.name);
      } catch (e) {
        // A network that became busy meanwhile simply stays (Docker does the same).
        this.o.log("warn", `prune networks: ${n.name}: ${(e as Error).message}`);
      }
    }
    return { NetworksDeleted: deleted };
  }

  // --- ContainerNetworking

  validate(mode: string, endpoints: Record<string, EndpointSettings> | undefined, portBindings: PortMap, exposedPorts: string[], labels?: Record<string, string>): Record<string, EndpointSettings> {
    const out = this.attachments.validate(mode, endpoints, portBindings, exposedPorts);
    NetworkPolicies.validate(labels);
    return out;
  }

  setUp(c: ContainerNetInfo, opts: { deferLinks?: boolean } = {}): Promise<NetworkSetup> {
    return this.policies.setUp(c, () => this.attachments.setUp(c, opts), () => this.attachments.tearDown(c.id), () => this.syncFirewall());
  }

  startFinished(_containerId: string): void {
    this.pool.startFinished();
  }

  tearDown(containerId: string): Promise<void> {
    return this.policies.tearDown(containerId, () => this.attachments.tearDown(containerId), () => this.syncFirewall());
  }

  netnsPath(containerId: string): string | undefined {
    return this.store.netns(containerId)?.path;
  }

  view(containerId: string, c: ContainerNetInfo): ContainerNetworkView {
    return this.attachments.view(containerId, c);
  }

  async connect(network: string, c: ContainerNetInfo, cfg: EndpointSettings): Promise<{ name: string; settings: EndpointSettings }> {
    const r = await this.attachments.connect(network, c, cfg);
    await this.policies.connected(c.id, () => this.attachments.disconnect(r.name, c.id), () => this.syncFirewall());
    return r;
  }

  async disconnect(network: string, containerId: string): Promise<void> {
    await this.attachments.disconnect(network, containerId);
    await this.policies.disconnected(() => this.syncFirewall());
  }

  rename(containerId: string, newName: string): void {
    this.attachments.rename(containerId, newName);
  }

  async forceDisconnect(network: string, container: string): Promise<void> {
    const r = await this.attachments.forceDisconnect(network, container);
    // Its last endpoint: the netns file, proxy and policy of the gone container go too.
    if (r.rest === 0) await this.tearDown(r.containerId);
    else await this.policies.disconnected(() => this.syncFirewall());
  }

  resolveName(network: string): string {
    return this.lookup(network).name;
  }

  /**
   * At daemon start (after open): bridges and rules are in place already; adopts the endpoints of
   * `running`, tears down everything else, and removes netns files no record owns.
   */
  async restore(running: ContainerNetInfo[]): Promise<void> {
    // open() did this already; again here so a restore is complete on its own (idempotent).
    await this.ensureAll();
    await this.attachments.restore(running);
    await this.policies.restore(running);
    await this.syncFirewall();
    const dir = join(this.o.execRoot, "netns");
    const files = await entriesOf(dir);
    const owned = new Set(this.store.allNetns().map((r) => r.path));
    for (const f of files) {
      const path = join(dir, f);
      if (owned.has(path)) continue;
      this.o.log("info", `network restore: removing netns file ${path} that no container owns`);
      await this.o.ops.netnsDelete(path);
    }
    await this.sweepPool();
    this.pool.start();
  }

  /**
   * What a killed daemon's pool left: its files no container took, and the veths named after
   * them that no endpoint owns (deleting the netns would take those too, but only once the
   * kernel's namespace clean-up runs).
   */
  private async sweepPool(): Promise<void> {
    const dir = join(this.o.execRoot, POOL_DIR);
    const files = await entriesOf(dir);
    const owned = new Set(this.store.allEndpoints().map((e) => e.hostVeth));
    const taken = new Set(this.store.allNetns().flatMap((r) => (r.pooledPath ? [r.pooledPath] : [])));
    await Promise.all(files.map(async (f) => {
      const path = join(dir, f);
      if (this.pool.holds(path) || taken.has(path)) return;
      const veth = pooledHostVeth(f);
      this.o.log("info", `network restore: removing pooled netns ${path}${veth && !owned.has(veth) ? ` and ${veth}` : ""} of an earlier daemon`);
      await Promise.all([veth && !owned.has(veth) ? this.o.ops.linkDelete(veth) : undefined, this.o.ops.netnsDelete(path)]);
    }));
  }

  /**
   * Stops DNS listeners and deletes the netns pool; leaves the containers' kernel state (they
   * keep running: live restore).
   */
  async close(): Promise<void> {
    await this.pool.close();
    for (const n of this.store.networks()) {
      if (this.dnsUp.has(n.id)) await this.stopDns(n);
    }
  }

  /** Removes berth's nft table (tests and uninstall only: the daemon keeps it across restarts). */
  async removeFirewall(): Promise<void> {
    await this.firewall.remove();
  }

  // --- internals

  /** Full name, then full id, then unique id prefix (Docker's order). */
  private lookup(idOrName: string): NetworkRecord {
    const missing = () => notFound(`network ${idOrName} not found`);
    if (idOrName === "") throw missing();
    const byName = this.store.networkByName(idOrName);
    if (byName) return byName;
    const byId = this.store.network(idOrName);
    if (byId) return byId;
    if (!/^[0-9a-f]+$/.test(idOrName)) throw missing();
    const matches = this.store.networks().filter((n) => n.id.startsWith(idOrName));
    if (matches.length > 1) throw invalidArgument(`network ${idOrName} is ambiguous (${matches.length} matches found based on ID prefix)`);
    if (matches.length === 0) throw missing();
    return matches[0]!;
  }

  private async ensurePredefined(): Promise<void> {
    for (const name of ["host", "none"] as const) {
      if (!this.store.networkByName(name)) this.store.insertNetwork(predefinedRecord(name, newNetworkId()));
    }
    const cur = this.store.networkByName("bridge");
    const want = this.o.defaultBridge;
    if (!want) {
      if (cur && this.store.countEndpoints(cur.id) === 0) {
        this.o.log("info", `default bridge disabled: removing network bridge (${cur.bridge})`);
        await this.o.ops.bridgeDelete(cur.bridge!);
        this.store.deleteNetwork(cur.id);
      }
      return;
    }
    let cidr = want.cidr;
    const sameMtu = cur !== undefined && (this.o.mtu === undefined ? cur.mtuExplicit !== true : cur.mtuExplicit === true && cur.mtu === this.o.mtu);
    const same = cur !== undefined && cur.bridge === want.name && (!cidr || bridgeCidr(cur) === cidr) && sameMtu;
    if (same && cur.icc === this.o.icc) return;
    if (same && this.store.countEndpoints(cur.id) === 0) {
      // Only --icc changed: the record's (and so the next veths') isolation follows the flag.
      this.store.updateNetwork({ ...cur, icc: this.o.icc, options: { ...cur.options, [OPT_ENABLE_ICC]: String(this.o.icc) } });
      return;
    }
    if (cur && this.store.countEndpoints(cur.id) > 0) {
      this.o.log("warn", `default bridge settings changed (${want.name} ${cidr ?? ""}) but containers are attached to network bridge: keeping ${cur.bridge} ${bridgeCidr(cur)}`);
      return;
    }
    if (!cidr) {
      const others = this.store.networks().filter((n) => n.subnet && !n.defaultBridge).map((n) => parseSubnet(n.subnet!)!);
      const routes = (await readHostRoutes(this.o.hostRoutesFile)).filter((r) => r.iface !== want.name).map((r) => r.subnet);
      const free = nextFreeSubnet(DEFAULT_BRIDGE_POOLS, [...others, ...routes]);
      if (!free) throw new EngineError("Unavailable", "default bridge: no free subnet in 172.17.0.0/16 … 172.31.0.0/16; give one with --bip");
      cidr = `${[free.network >>> 24, (free.network >>> 16) & 255, (free.network >>> 8) & 255, (free.network & 255) + 1].join(".")}/${free.prefix}`;
    }
    const rec = defaultBridgeRecord(cur?.id ?? newNetworkId(), want.name, cidr, this.o.icc, this.o.mtu);
    if (cur) {
      // bridge_ensure only adds an address: a bridge with the old one is made again.
      if (cur.bridge !== rec.bridge || bridgeCidr(cur) !== bridgeCidr(rec)) await this.o.ops.bridgeDelete(cur.bridge!);
      this.store.updateNetwork({ ...rec, created: cur.created });
    } else {
      this.store.insertNetwork(rec);
    }
  }

  /** Every bridge network's bridge and DNS listener, and the nft table. */
  private async ensureAll(): Promise<void> {
    for (const n of this.store.networks()) {
      if (n.driver !== "bridge" || this.removing.has(n.id)) continue;
      try {
        await this.ensureKernel(n);
      } catch (e) {
        // One broken network must not keep the daemon down; the default bridge must work.
        if (n.defaultBridge) throw e;
        this.o.log("error", `network ${n.name}: ${(e as Error).message}`);
      }
    }
    await this.syncFirewall();
  }

  /** The bridge with its address, up; the DNS listener on its gateway. Idempotent. */
  private async ensureKernel(n: NetworkRecord): Promise<void> {
    await this.o.ops.bridgeEnsure(n.bridge!, bridgeCidr(n), linkMtu(n));
    await this.startDns(n);
  }

  private async startDns(n: NetworkRecord): Promise<void> {
    const dns = this.o.dns;
    if (!dns || !n.gateway) return;
    try {
      await dns.listen(n.gateway, this.o.dnsPort ?? 53, n.defaultBridge ? null : networkDnsRecords(this.store, n.id, n.name));
      this.dnsUp.add(n.id);
    } catch (e) {
      // Containers of this network then get the host's nameservers instead.
      this.o.log("warn", `network ${n.name}: DNS on ${n.gateway}: ${(e as Error).message}`);
    }
  }

  private async stopDns(n: NetworkRecord): Promise<void> {
    if (!this.o.dns || !n.gateway || !this.dnsUp.has(n.id)) return;
    this.dnsUp.delete(n.id);
    await this.o.dns.unlisten(n.gateway);
  }

  private async syncFirewall(): Promise<void> {
    const live = this.store.networks().filter((n) => !this.removing.has(n.id));
    const dnat: DnatRule[] = [];
    if (!this.o.userlandProxy) {
      const bridgeOf = new Map(live.map((n) => [n.id, n.bridge]));
      for (const ns of this.store.allNetns()) {
        if (ns.published.length === 0) continue;
        // Published ports target the container's first endpoint: its bridge is the hairpin's.
        const eps = this.store.endpointsOfContainer(ns.containerId);
        for (const p of ns.published) {
          const bridge = bridgeOf.get(eps.find((e) => e.ip === p.containerIp)?.networkId ?? "");
          if (bridge) dnat.push({ ...p, bridge });
        }
      }
    }
    await this.firewall.apply(live, dnat, this.policies.chains(live, this.store.allEndpoints()));
  }
}

/** A directory's entries; none when it does not exist (yet). */
async function entriesOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}
