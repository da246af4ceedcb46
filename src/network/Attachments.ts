/**
 * The container side of the network service (ContainerNetworking): validating a container's
 * endpoint settings, setting up and tearing down its netns, endpoints and published ports,
 * live connect/disconnect, what inspect shows, and adoption at daemon start.
 */
import { join } from "node:path";
import { readFileSync, rmSync } from "node:fs";
import { conflict, EngineError, failedPrecondition, invalidArgument, notFound } from "../errors/EngineError.js";
import type { PortMap } from "../api/types/container.js";
import type { EndpointSettings } from "../api/types/network.js";
import type { ContainerNetInfo, ContainerNetworkView, NetworkSetup } from "./types.js";
import type { EndpointRecord, NetnsRecord, NetworkRecord } from "./NetworkStore.js";
import type { ServiceContext } from "./serviceContext.js";
import { Rollback } from "../util/rollback.js";
import { nextAddress } from "./ipam/allocate.js";
import { formatIPv4, macForIPv4, parseIPv4, parseMac, parseSubnet } from "./ipam/ipv4.js";
import { containerIfName, freeIfIndex, hostVethName, newEndpointId } from "./bridge/endpointNames.js";
import { forbidden } from "./networkRecord.js";
import { mappingsFor, parsePortKey, type PortMapping } from "./ports/portSpec.js";
import { chooseHostPorts } from "./firewall/hostPorts.js";
import { addressSpace, checkEndpoint } from "./endpointConfig.js";
import { containerView, exposedKeys } from "./containerView.js";
import { containerResolvConf, parseResolvConf } from "./dns/resolvConf.js";
import { movePublishedPorts } from "./movePorts.js";
import { moveDefaultRoute, routeVia } from "./moveRoute.js";
import { restoreContainers } from "./restore.js";
import { linkAliases } from "./links.js";
import { linkMtu, routeMtu } from "./bridge/mtu.js";
import { mark } from "../util/timingMarks.js";
import { vethTargetOf, type PooledVeth } from "./NetnsPool.js";

/** Docker's fallback when the host has no usable nameserver. */
const FALLBACK_NAMESERVERS = ["8.8.8.8", "8.8.4.4"];

export class Attachments {
  /** DNAT mode: host port choices in progress, one after the other. */
  private choosing: Promise<void> = Promise.resolve();
  /** Set-ups whose links and ports are still being made (NetworkSetup.ready), by container id. */
  private readonly linking = new Map<string, Promise<unknown>>();

  constructor(private readonly x: ServiceContext) {}

  // --- validate (container create)

  validate(mode: string, endpoints: Record<string, EndpointSettings> | undefined, portBindings: PortMap, exposedPorts: string[]): Record<string, EndpointSettings> {
    if (mode === "host" || mode === "none" || mode.startsWith("container:")) {
      throw invalidArgument(`validate network settings: network mode ${mode} is the engine's, not a network's`);
    }
    const first = this.networkOf(mode === "default" ? "bridge" : mode);
    const out: Record<string, EndpointSettings> = {};
    const given = Object.entries(endpoints ?? {});
    // The mode's network first, with the config the user keyed by the same name or id.
    const modeCfg = given.find(([k]) => this.sameNetwork(k, first));
    out[first.name] = checkEndpoint(first, modeCfg?.[1] ?? {});
    for (const [key, cfg] of given) {
      const n = this.networkOf(key);
      if (n.id === first.id) continue;
      if (n.driver !== "bridge") throw invalidArgument(`validate network settings: container cannot be connected to network ${n.name} and to other networks`);
      if (out[n.name]) throw invalidArgument(`validate network settings: network ${n.name} is given twice`);
      out[n.name] = checkEndpoint(n, cfg);
    }
    // Syntax of the port settings (the real addresses come at start).
    mappingsFor(portBindings ?? {}, false, exposedPorts, "0.0.0.0");
    for (const p of exposedPorts) parsePortKey(p, "exposed port");
    return out;
  }

  private sameNetwork(key: string, n: NetworkRecord): boolean {
    if (key === n.name || key === n.id) return true;
    if (key === "default" && n.defaultBridge) return true;
    try {
      return this.x.lookup(key).id === n.id;
    } catch {
      return false;
    }
  }

  /** A bridge network by name/id; "bridge" when disabled gives Docker's NotFound. */
  private networkOf(key: string): NetworkRecord {
    const n = this.x.lookup(key);
    if (n.driver === "host" || n.driver === "null") {
      throw invalidArgument(`validate network settings: network ${n.name} (driver ${n.driver}) is a network mode, not a network to attach to`);
    }
    return n;
  }

  // --- setUp / tearDown

  async setUp(c: ContainerNetInfo, how: { deferLinks?: boolean } = {}): Promise<NetworkSetup> {
    const { store, ops, opts } = this.x;
    // Whatever a previous run left (the engine tears down at exit; a crash may not have).
    if (store.netns(c.id) || store.endpointsOfContainer(c.id).length > 0) await this.tearDown(c.id);
    const entries = Object.entries(c.endpoints);
    if (entries.length === 0) throw invalidArgument(`set up networking of ${c.name}: no network to connect to`);
    const nets = entries.map(([name]) => {
      const n = this.networkOf(name);
      this.x.usable(n);
      return n;
    });
    const rb = new Rollback();
    const done = this.x.pool.busy("setUp");
    let made: { setup: NetworkSetup; ready: Promise<void> };
    try {
      // A namespace made ahead (NetnsPool) when one is ready; it is this container's from now
      // on (recorded first, so a crash leaves it owned and torn down, never handed out again).
      // With its eth0 made already when one fits the first network (it must carry the default
      // route: a pooled veth is made as veth_add makes a gateway endpoint's).
      const gw = gatewayIndex(nets, entries.map(([, cfg]) => cfg));
      const fits = gw === 0 ? vethTargetOf(nets[0]!) : undefined;
      let pooled = this.x.pool.take(fits && { networkId: fits.networkId, key: fits.key });
      const ns: NetnsRecord = { containerId: c.id, path: join(opts.execRoot, "netns", c.id), proxy: null, published: [], exposed: [], ...(pooled ? { pooledPath: pooled.path } : {}) };
      // Recorded first: a crash from here on leaves it owned and torn down, never handed out again.
      store.putNetns(ns);
      rb.add("forget netns", () => store.deleteNetns(c.id));
      if (pooled) {
        const p = pooled;
        if (p.veth) rb.add(`delete ${p.veth.hostName}`, () => ops.linkDelete(p.veth!.hostName));
        rb.add("delete pooled netns", () => ops.netnsDelete(p.path));
        // The container's usual path links to the pooled netns; else one is made there.
        if (!(await this.x.pool.adopt(p, ns.path))) {
          pooled = undefined;
          delete ns.pooledPath;
          store.putNetns(ns);
        }
      }
      if (!pooled) await ops.netnsCreate(ns.path);
      rb.add("delete netns", async () => (pooled ? rmSync(ns.path, { force: true }) : ops.netnsDelete(ns.path)));
      mark(pooled ? "net: netns taken" : "net: netns created");
      const eps: { ep: EndpointRecord; link: () => Promise<void> }[] = [];
      for (let i = 0; i < nets.length; i++) {
        eps.push(this.allocate(nets[i]!, c, ns.path, entries[i]![1], i, i === gw, rb, i === 0 ? pooled?.veth : undefined));
      }
      // What the spec and the /etc files need (the netns path, the addresses) is known now; the
      // links and published ports are the kernel's and the helper's work, done while the engine
      // builds the spec and the runtime creates the container (ready: awaited before its start).
      const ready = (async () => {
        for (const e of eps) await e.link();
        mark("net: endpoints attached");
        // Published ports follow the gateway network (the first network when none has a gateway).
        await this.publish(c, ns, eps[gw < 0 ? 0 : gw]!.ep, rb);
        mark("net: published");
      })().then(() => rb.commit(), (e: unknown) => rb.run(e, `set up networking of ${c.name}`)).finally(() => {
        this.linking.delete(c.id);
        done();
      });
      this.linking.set(c.id, ready.catch(() => {}));
      const setup = { netnsPath: ns.path, hostsEntries: eps.map(({ ep }) => `${ep.ip}\t${c.hostname}`), ...this.resolvConf(nets[0]!) };
      made = { setup, ready };
    } catch (e) {
      done();
      return rb.run(e, `set up networking of ${c.name}`);
    }
    // `ready` undoes the whole set-up itself when it fails.
    if (how.deferLinks) return { ...made.setup, ready: made.ready };
    await made.ready;
    return made.setup;
  }

  /** One endpoint, address and veth, before the call returns (network connect). */
  private async attach(n: NetworkRecord, c: ContainerNetInfo, netnsPath: string, cfg: EndpointSettings, ifIndex: number, defaultRoute: boolean, rb: Rollback): Promise<EndpointRecord> {
    const { ep, link } = this.allocate(n, c, netnsPath, cfg, ifIndex, defaultRoute, rb);
    await link();
    return ep;
  }

  /**
   * One endpoint: its address (record) now, its veth (kernel) when `link` is called.
   * `defaultRoute`: the container's default route goes through this network's gateway (ignored
   * for an internal network). Undo steps go to `rb`.
   */
  private allocate(n: NetworkRecord, c: ContainerNetInfo, netnsPath: string, cfg: EndpointSettings, ifIndex: number, defaultRoute: boolean, rb: Rollback, pooled?: PooledVeth): { ep: EndpointRecord; link: () => Promise<void> } {
    const { store, ops } = this.x;
    mark("net: attach begin");
    // A pooled veth's endpoint id was given when it was made (its host end is named after it).
    // setUp hands one over only for a gateway endpoint at eth0, as the pool made it.
    if (pooled && (pooled.ifName !== containerIfName(ifIndex) || !defaultRoute || n.internal || !n.gateway)) pooled = undefined;
    const id = pooled?.endpointId ?? newEndpointId();
    const checked = checkEndpoint(n, cfg);
    const prefix = parseSubnet(n.subnet!)!.prefix;
    const dnsNames = n.defaultBridge ? [] : endpointDnsNames(c.name, checked.Aliases ?? [], c.id);
    const staticIp = checked.IPAMConfig?.IPv4Address || undefined;
    const ep: EndpointRecord = {
      id, networkId: n.id, containerId: c.id, containerName: c.name, ifName: containerIfName(ifIndex), hostVeth: hostVethName(id),
      ip: "", prefix, mac: "", gateway: defaultRoute && !n.internal ? n.gateway! : "", staticIp: !!staticIp,
      aliases: checked.Aliases ?? [], dnsNames, hostname: n.defaultBridge ? "" : c.hostname, config: checked, position: ifIndex,
      ...(c.dns && c.dns.length > 0 ? { upstreams: [...c.dns] } : {}),
      ...(checked.Links && checked.Links.length > 0 ? { links: linkAliases(checked.Links) } : {}),
    };
    // Allocation and record in one transaction: UNIQUE(network_id, ip) backs it up.
    store.tx(() => {
      // Checked again here, synchronously with the insert: a remove() that started meanwhile
      // either saw no endpoint and marked the network, or sees this one and refuses.
      if (!store.network(n.id)) throw notFound(`network ${n.name} not found`);
      this.x.usable(n);
      let ip: number;
      if (staticIp) {
        ip = parseIPv4(staticIp)!;
        if (store.ipTaken(n.id, ip)) throw conflict(`Address already in use: ${staticIp} on network ${n.name}`);
      } else {
        const got = nextAddress(addressSpace(n), store.usedIps(n.id), store.lastIp(n.id));
        if (got === undefined) throw new EngineError("Unavailable", `no available IPv4 addresses on this network's address pools: ${n.name} (${n.subnet})`);
        ip = got;
        store.setLastIp(n.id, ip);
      }
      ep.ip = formatIPv4(ip);
      ep.mac = checked.MacAddress ? parseMac(checked.MacAddress)! : macForIPv4(ip);
      store.insertEndpoint(ep, ip);
    });
    rb.add(`release ${ep.ip} on ${n.name}`, () => store.deleteEndpoint(id));
    mark("net: address allocated");
    const req = {
      hostName: ep.hostVeth, netnsPath, ifName: ep.ifName, mac: ep.mac, mtu: linkMtu(n),
      bridge: n.bridge!, cidr: `${ep.ip}/${prefix}`, gateway: ep.gateway, isolated: !n.icc, routeMtu: ep.gateway ? routeMtu(n) : 0,
    };
    const link = async () => {
      if (pooled) {
        try {
          // Its rollback step was added when the entry was taken (setUp).
          await this.x.pool.vethTake(req);
          mark("net: veth taken");
          return;
        } catch (e) {
          // E.g. the bridge was made again meanwhile: the helper deleted the pair; a new one.
          this.x.opts.log("warn", `set up networking of ${c.name}: pooled veth ${ep.hostVeth}: ${(e as Error).message}; making a new one`);
        }
      }
      await ops.vethAdd(req);
      if (!pooled) rb.add(`delete ${ep.hostVeth}`, () => ops.linkDelete(ep.hostVeth));
    };
    return { ep, link };
  }

  /** Published ports on the first endpoint's address: proxy or DNAT rules. */
  private async publish(c: ContainerNetInfo, ns: NetnsRecord, first: EndpointRecord, rb: Rollback): Promise<void> {
    const { store, opts } = this.x;
    const mappings = mappingsFor(c.portBindings ?? {}, c.publishAll, c.exposedPorts, first.ip);
    ns.exposed = exposedKeys(c);
    if (mappings.length > 0) {
      if (opts.userlandProxy) {
        // Recorded as soon as it exists: a daemon dying before the bind report leaves a record
        // that restore's tearDown stops (the container is not running yet), not an orphan.
        const h = await this.x.proxy.start(mappings, (p) => {
          ns.proxy = p;
          store.putNetns(ns);
        });
        rb.add("stop port proxy", () => this.x.proxy.stop(h));
        ns.proxy = { pid: h.pid, startTime: h.startTime };
        ns.published = h.bound;
      } else {
        // One choice at a time, recorded before the next, so two containers never get one port.
        const previous = this.choosing;
        let done!: () => void;
        this.choosing = new Promise<void>((r) => (done = r));
        await previous;
        try {
          const inUse = store.allNetns().flatMap((r) => r.published);
          ns.published = await chooseHostPorts(mappings, inUse);
          store.putNetns(ns);
        } finally {
          done();
        }
      }
    }
    store.putNetns(ns);
    if (!opts.userlandProxy && ns.published.length > 0) {
      rb.add("remove DNAT rules", async () => {
        store.putNetns({ ...ns, published: [] });
        await this.x.syncFirewall();
      });
      await this.x.syncFirewall();
    }
  }

  /**
   * The container's resolv.conf. On a user-defined network whose resolver listens it names the
   * gateway (embeddedDns: the resolver forwards to the container's --dns, else the host's
   * nameservers, so the network's names keep resolving with --dns, as Docker's embedded DNS).
   * The default bridge has no names: --dns, applied by the engine, replaces its nameservers.
   */
  private resolvConf(first: NetworkRecord): { resolvConf: string; embeddedDns: boolean } {
    const path = this.x.opts.hostResolvConf ?? "/etc/resolv.conf";
    let text = "";
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    const host = parseResolvConf(text);
    if (this.x.opts.dns && this.x.dnsUp(first.id)) return { resolvConf: containerResolvConf(host, first.gateway!), embeddedDns: !first.defaultBridge };
    // Without berth's resolver: the host's nameservers, except loopback ones (unreachable
    // from the container's netns), Docker's public fallback when none is left.
    const usable = host.nameservers.filter((ns) => !ns.startsWith("127.") && ns !== "::1");
    const lines = (usable.length > 0 ? usable : FALLBACK_NAMESERVERS).map((ns) => `nameserver ${ns}`);
    if (host.search.length > 0) lines.push(`search ${host.search.join(" ")}`);
    if (host.options.length > 0) lines.push(`options ${host.options.join(" ")}`);
    return { resolvConf: lines.join("\n") + "\n", embeddedDns: false };
  }

  /**
   * Proxy stopped, veths deleted, addresses released, netns gone, records removed. Idempotent.
   * The kernel steps do not depend on each other, so they are asked for at once (the helper
   * answers its requests in order, without a round trip between them); the records follow
   * each step's outcome, so whatever failed is retried by a later tear-down.
   */
  async tearDown(containerId: string): Promise<void> {
    const done = this.x.pool.busy("tearDown");
    try {
      // A set-up still making its links finishes (or undoes itself) first: no link is deleted
      // while the helper is still making it.
      await this.linking.get(containerId);
      await this.tearDownNow(containerId);
    } finally {
      done();
    }
  }

  private async tearDownNow(containerId: string): Promise<void> {
    const { store, ops } = this.x;
    const ns = store.netns(containerId);
    const errors: unknown[] = [];
    const step = async (what: string, fn: () => Promise<void>): Promise<boolean> => {
      try {
        await fn();
        return true;
      } catch (e) {
        errors.push(new Error(`${what}: ${(e as Error).message}`));
        return false;
      }
    };
    const proxy = ns?.proxy;
    const proxyStopped = proxy ? step("stop port proxy", () => this.x.proxy.stop(proxy)) : Promise.resolve(true);
    // The record stays while its link may exist, so a failed delete is retried later.
    const links = Promise.all(store.endpointsOfContainer(containerId).map(async (ep) => {
      if (await step(`delete ${ep.hostVeth}`, () => ops.linkDelete(ep.hostVeth))) store.deleteEndpoint(ep.id);
    })).then(() => mark("net: links deleted"));
    // A pooled netns: the helper deletes its file; the container's path is only our symlink to
    // it, removed here without a helper request (ok if missing, like netns_delete).
    const nsGone = !ns ? Promise.resolve(false) : step(`delete netns ${ns.pooledPath ?? ns.path}`, async () => {
      if (ns.pooledPath) {
        await ops.netnsDelete(ns.pooledPath);
        rmSync(ns.path, { force: true });
      } else {
        await ops.netnsDelete(ns.path);
      }
    }).then((ok) => {
      if (ok) mark("net: netns deleted");
      return ok;
    });
    const [stopped, , deleted] = await Promise.all([proxyStopped, links, nsGone]);
    if (ns && stopped && proxy) store.putNetns({ ...ns, proxy: null });
    if (ns && deleted) {
      store.deleteNetns(containerId);
      if (ns.published.length > 0 && !this.x.opts.userlandProxy) await step("remove DNAT rules", () => this.x.syncFirewall());
    }
    if (errors.length > 0) {
      throw new EngineError("Internal", `tear down networking of ${containerId}: ${errors.map((e) => (e as Error).message).join("; ")}`, { cleanupErrors: errors });
    }
  }

  view(containerId: string, c: ContainerNetInfo): ContainerNetworkView {
    return containerView(this.x, containerId, c);
  }

  // --- connect / disconnect (running container)

  async connect(network: string, c: ContainerNetInfo, cfg: EndpointSettings): Promise<{ name: string; settings: EndpointSettings }> {
    const { store } = this.x;
    const n = this.x.lookup(network);
    if (n.driver !== "bridge") throw forbidden(`container cannot be disconnected from host network or connected to ${n.name} network`);
    this.x.usable(n);
    const ns = store.netns(c.id);
    if (!ns) throw failedPrecondition(`connect ${c.name} to ${n.name}: the container's network is not set up (not running)`);
    const eps = store.endpointsOfContainer(c.id);
    if (eps.some((e) => e.networkId === n.id)) throw conflict(`endpoint with name ${c.name} already exists in network ${n.name}`);
    const checked = checkEndpoint(n, cfg);
    const rb = new Rollback();
    try {
      // Without another network the new one carries the default route and the published ports
      // (they were released when the last network left; Docker publishes on the gateway network).
      // A container left without a default route (its gateway network was disconnected and
      // only internal ones remain) gets it from the new network, as in Docker.
      const gwEp = eps.find((e) => e.gateway !== "");
      const ep = await this.attach(n, c, ns.path, checked, freeIfIndex(eps.map((e) => e.ifName)), !gwEp, rb);
      if (eps.length === 0 && ns.published.length === 0 && !ns.proxy) await this.publish(c, ns, ep, rb);
      // A higher GwPriority takes the default route over (Docker re-selects the gateway
      // endpoint at every join); published ports stay where they are, as in Docker.
      if (gwEp && !n.internal && (checked.GwPriority ?? 0) > (gwEp.config.GwPriority ?? 0)) {
        await routeVia(this.x, ns, ep, n.gateway!, gwEp);
        rb.add(`default route back to ${gwEp.ifName}`, async () => {
          await routeVia(this.x, ns, gwEp, gwEp.gateway, { ...ep, gateway: n.gateway! });
        });
      }
      rb.commit();
      return { name: n.name, settings: { ...checked, NetworkID: n.id, EndpointID: ep.id } };
    } catch (e) {
      return rb.run(e, `connect ${c.name} to ${n.name}`);
    }
  }

  async disconnect(network: string, containerId: string): Promise<void> {
    const { store, ops } = this.x;
    const n = this.x.lookup(network);
    if (n.driver !== "bridge") throw forbidden(`container cannot be disconnected from host network or connected to ${n.name} network`);
    const ep = store.endpointsOfContainer(containerId).find((e) => e.networkId === n.id);
    if (!ep) throw notFound(`container ${containerId} is not connected to network ${n.name}`);
    await ops.linkDelete(ep.hostVeth);
    store.deleteEndpoint(ep.id);
    const ns = store.netns(containerId);
    if (!ns) return;
    const rest = store.endpointsOfContainer(containerId);
    // The default route went with the endpoint that carried it: another network takes it over.
    const gw = ep.gateway ? await moveDefaultRoute(this.x, ns, rest) : undefined;
    // The ports pointed at the gone address: they follow the container's gateway network.
    await movePublishedPorts(this.x, ns, ep.ip, gw ?? rest[0]);
  }

  /**
   * A stale endpoint of a container the engine no longer has (disconnect --force): deleted by
   * its container's name, id or unique id prefix. Returns the container id and whether other
   * endpoints of it remain.
   */
  async forceDisconnect(network: string, container: string): Promise<{ containerId: string; rest: number }> {
    const { store, ops } = this.x;
    const n = this.x.lookup(network);
    const eps = store.endpointsOfNetwork(n.id);
    let ep = eps.find((e) => e.containerName === container || e.containerId === container);
    if (!ep && /^[0-9a-f]+$/.test(container)) {
      const byPrefix = eps.filter((e) => e.containerId.startsWith(container));
      if (byPrefix.length === 1) ep = byPrefix[0];
    }
    if (!ep) throw notFound(`endpoint ${container} not found in network ${n.name}`);
    await ops.linkDelete(ep.hostVeth);
    store.deleteEndpoint(ep.id);
    const rest = store.endpointsOfContainer(ep.containerId);
    const ns = store.netns(ep.containerId);
    if (ns && rest.length > 0) await movePublishedPorts(this.x, ns, ep.ip, rest[0]);
    return { containerId: ep.containerId, rest: rest.length };
  }

  /** A renamed container: its endpoints answer the new name in DNS (and not the old one) at once. */
  rename(containerId: string, newName: string): void {
    const { store } = this.x;
    for (const e of store.endpointsOfContainer(containerId)) {
      if (e.containerName === newName) continue;
      const n = store.network(e.networkId);
      const dnsNames = !n || n.defaultBridge || e.dnsNames.length === 0 ? e.dnsNames : endpointDnsNames(newName, e.aliases, containerId);
      store.updateEndpoint({ ...e, containerName: newName, dnsNames });
    }
  }

  // --- restore

  /** At daemon start: adopt running containers, tear down the rest, repair proxies (restore.ts). */
  restore(running: ContainerNetInfo[]): Promise<void> {
    return restoreContainers(this.x, running, this);
  }
}

/**
 * The network whose gateway becomes the default route at start: the highest GwPriority (Docker
 * 28's `gw-priority`), ties to the earliest (the mode's network first); internal networks have
 * no gateway. -1 when every network is internal. moveRoute.ts applies the same rule later.
 */
function gatewayIndex(nets: NetworkRecord[], cfgs: EndpointSettings[]): number {
  let best = -1;
  for (let i = 0; i < nets.length; i++) {
    if (nets[i]!.internal || !nets[i]!.gateway) continue;
    if (best < 0 || (cfgs[i]?.GwPriority ?? 0) > (cfgs[best]?.GwPriority ?? 0)) best = i;
  }
  return best;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ""))];
}

/** Docker's DNSNames on a user-defined network: the container's name, its aliases, its short id. */
function endpointDnsNames(name: string, aliases: string[], containerId: string): string[] {
  return unique([name, ...aliases, containerId.slice(0, 12)]);
}
