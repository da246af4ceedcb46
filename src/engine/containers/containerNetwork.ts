/**
 * The engine's side of networking (docs/networking.md, "engine wiring"): which network
 * namespace a container gets (host, none, container:<id>, or a bridge network set up by the
 * network service), what its /etc files say, and the network events. Everything about bridge
 * networks themselves is the network service's (ctx.networks, src/network/types.ts).
 */
import { readFile, writeFile } from "node:fs/promises";
import type { ContainerConfig, HostConfig, NetworkSettings } from "../../api/types/container.js";
import type { EndpointSettings } from "../../api/types/network.js";
import { conflict, EngineError, invalidArgument, isEngineError, notFound, wrapError } from "../../errors/EngineError.js";
import { checkAllowLabelMode } from "../../network/policy/allowLabel.js";
import type { ContainerNetInfo, ContainerNetworking } from "../../network/types.js";
import type { Rollback } from "../../util/rollback.js";
import { shortId, type NetworkMode } from "../containerSpec.js";
import { etcPaths, hostHostsLines, hostResolvConf, resolvConfText, writeEtcFiles, type EtcFiles } from "../etcFiles.js";
import type { ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { networkSettingsView, parseNetworkMode, type LiveNetwork } from "./containerNetworkView.js";

// moby runconfig/errors.go, word for word (the docker CLI and scripts match on them).
const ERR_HOSTNAME = "conflicting options: hostname and the network mode";
const ERR_DNS = "conflicting options: dns and the network mode";
const ERR_HOSTS = "conflicting options: custom host-to-IP mapping and the network mode";
const ERR_MAC = "conflicting options: mac-address and the network mode";
const ERR_PUBLISH = "conflicting options: port publishing and the container type network mode";
const ERR_EXPOSE = "conflicting options: port exposing and the container type network mode";
const ERR_LINKS = "conflicting options: container type network can't be used with links. This would result in undefined behavior";
const ERR_IP = "user specified IP address is supported only when connecting to networks with user configured subnets";
const ERR_SHARED = "container sharing network namespace with another container or host cannot be connected to any other network";
const ERR_HOST_NET = "container cannot be disconnected from host network or connected to host network";
const ERR_NO_NET = "container cannot be connected to multiple networks with one of the networks in private (none) mode";

const isRunning = (rec: ContainerRecord) => rec.state.status === "running" || rec.state.status === "paused";
const hasEntries = (o: object | null | undefined) => o !== null && o !== undefined && Object.keys(o).length > 0;

/** What the network service is told about a container. */
export function netInfo(rec: ContainerRecord): ContainerNetInfo {
  return {
    id: rec.id,
    name: rec.name,
    hostname: rec.config.Hostname || shortId(rec.id),
    endpoints: rec.endpoints ?? {},
    portBindings: rec.hostConfig.PortBindings ?? {},
    publishAll: rec.hostConfig.PublishAllPorts === true,
    exposedPorts: Object.keys(rec.config.ExposedPorts ?? {}),
    labels: rec.config.Labels ?? {},
    dns: rec.hostConfig.Dns ?? [],
  };
}

/** Bridged: on a network of the network service (rather than host, none or container:<id>). */
export function isBridged(ctx: ContainerContext, rec: ContainerRecord): boolean {
  return ctx.networks !== undefined && parseNetworkMode(rec.hostConfig.NetworkMode).kind === "network" && rec.endpoints !== undefined;
}

/**
 * At create: Docker's checks of the network mode against the other options, the endpoint
 * configs validated (and resolved to network names) by the network service for a bridged
 * container. `user` is the request's Config (before the image's defaults were merged).
 */
export function checkNetworking(
  ctx: ContainerContext, user: ContainerConfig, config: ContainerConfig, hc: HostConfig, endpointsConfig: Record<string, EndpointSettings> | undefined,
): { endpoints?: Record<string, EndpointSettings>; warnings: string[] } {
  const warnings: string[] = [];
  const mode = parseNetworkMode(hc.NetworkMode);
  const eps = Object.values(endpointsConfig ?? {});
  const mac = Boolean(user.MacAddress) || eps.some((e) => Boolean(e?.MacAddress));
  const ip = eps.some((e) => Boolean(e?.IPAMConfig?.IPv4Address || e?.IPAMConfig?.IPv6Address));
  for (const h of hc.ExtraHosts ?? []) parseExtraHost(h);
  // berth.network.allow cannot be enforced in a netns berth does not own (host, container:).
  checkAllowLabelMode(mode.kind, config.Labels ?? undefined);
  switch (mode.kind) {
    case "container": {
      if (mode.target === "") throw invalidArgument("invalid network mode: invalid container format container:<name|id>");
      if (user.Hostname) throw invalidArgument(ERR_HOSTNAME);
      if (hasEntries(hc.Links)) throw invalidArgument(ERR_LINKS);
      if (hasEntries(hc.Dns)) throw invalidArgument(ERR_DNS);
      if (hasEntries(hc.ExtraHosts)) throw invalidArgument(ERR_HOSTS);
      if (mac) throw invalidArgument(ERR_MAC);
      if (hasEntries(hc.PortBindings) || hc.PublishAllPorts) throw invalidArgument(ERR_PUBLISH);
      if (hasEntries(user.ExposedPorts)) throw invalidArgument(ERR_EXPOSE);
      // The target is looked up at start, as moby does (a NotFound here would make the CLI pull the image).
      return { warnings };
    }
    case "host":
    case "none":
      if (mac) throw invalidArgument(ERR_MAC);
      if (ip) throw invalidArgument(ERR_IP);
      if (mode.kind === "host" && hasEntries(hc.PortBindings)) warnings.push("Published ports are discarded when using host network mode");
      return { warnings };
    case "network": {
      if (!ctx.networks) {
        if (mode.network !== "bridge") throw notFound(`network ${mode.network} not found`);
        warnings.push("berth has no bridge network yet: the container runs with --network none (loopback only)");
        return { warnings };
      }
      const exposed = Object.keys(config.ExposedPorts ?? {});
      endpointsConfig = withHostLinks(mode.network, endpointsConfig, hc.Links);
      try {
        return { endpoints: ctx.networks.validate(mode.network, endpointsConfig, hc.PortBindings ?? {}, exposed), warnings };
      } catch (e) {
        if (!isEngineError(e, "NotFound")) throw e;
        // moby looks networks up at start ("failed to set up container networking: network x
        // not found"); a NotFound from create would make the docker CLI try to pull the image.
        return { endpoints: { [mode.network]: endpointsConfig?.[mode.network] ?? {}, ...(endpointsConfig ?? {}) }, warnings };
      }
    }
  }
}

/**
 * HostConfig.Links of a container on a user-defined network are its endpoint's links there (the
 * docker CLI sends both; an API client may send only HostConfig.Links): they go into the mode
 * network's endpoint config unless it has links of its own. The network service makes them
 * DNS aliases for this container (src/network/links.ts); the default bridge refused them earlier.
 */
function withHostLinks(network: string, eps: Record<string, EndpointSettings> | undefined, links: string[] | null | undefined): Record<string, EndpointSettings> | undefined {
  if (!links || links.length === 0) return eps;
  const own = eps?.[network];
  if (own?.Links && own.Links.length > 0) return eps;
  return { ...(eps ?? {}), [network]: { ...(own ?? {}), Links: [...links] } };
}

/** `--add-host name:ip` (or name=ip, [v6]) → its parts; InvalidArgument as the CLI words it. */
export function parseExtraHost(h: string): { host: string; ip: string } {
  const i = h.search(/[:=]/);
  if (i <= 0) throw invalidArgument(`invalid argument ${JSON.stringify(h)} for "--add-host" flag`);
  let ip = h.slice(i + 1);
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip === "") throw invalidArgument(`invalid argument ${JSON.stringify(h)} for "--add-host" flag`);
  return { host: h.slice(0, i), ip };
}

/** The --add-host lines; host-gateway becomes `gateway()` (Docker's host-gateway-ip). */
function extraHostLines(hc: HostConfig, gateway: () => string | undefined): string[] {
  return (hc.ExtraHosts ?? []).map((h) => {
    let { host, ip } = parseExtraHost(h);
    if (ip === "host-gateway") {
      const gw = gateway();
      if (!gw) throw invalidArgument(`--add-host ${h}: host-gateway has no address: the daemon has no default bridge network (berthd --bridge none)`);
      ip = gw;
    }
    return `${ip}\t${host}`;
  });
}

/**
 * The start's network: the namespace the spec gets and the /etc files it binds; `ready`, when
 * given, resolves once its links and ports are made (NetworkSetup.ready): before the process starts.
 */
export interface StartNetwork { mode: NetworkMode; etcFiles: EtcFiles; ready?: Promise<void> }

/**
 * At start, before the runtime creates the container: sets up its network (a bridged
 * container's netns, endpoints, ports and DNS names through the network service, undone by
 * `rb` if the start fails) and writes its /etc files. container:<id> joins the target's
 * namespace and uses the target's files, as Docker does.
 */
export async function startNetworking(ctx: ContainerContext, rec: ContainerRecord, rb: Rollback): Promise<StartNetwork> {
  const mode = parseNetworkMode(rec.hostConfig.NetworkMode);
  const hc = rec.hostConfig;
  const hostname = rec.config.Hostname || shortId(rec.id);
  const dns = { dns: hc.Dns, search: hc.DnsSearch, options: hc.DnsOptions };
  const defaultGateway = () => ctx.hostGateway?.();
  if (mode.kind === "container") return joinContainer(ctx, rec, mode.target);
  if (mode.kind === "host") {
    const hosts = [...(await hostHostsLines()), ...extraHostLines(hc, defaultGateway)];
    const etcFiles = await writeEtcFiles(rec.dir, { hostname, hosts, resolvConf: resolvConfText(await hostResolvConf(), dns) });
    return { mode: "host", etcFiles };
  }
  const nets = ctx.networks;
  // A record from before berth had networks: its network mode's network, with no settings.
  if (mode.kind === "network" && nets && !rec.endpoints) rec.endpoints = { [mode.network]: {} };
  if (mode.kind === "none" || !nets || !rec.endpoints || defaultBridgeDisabled(nets, rec.endpoints)) {
    const hosts = [`127.0.1.1\t${hostname}`, ...extraHostLines(hc, defaultGateway)];
    const etcFiles = await writeEtcFiles(rec.dir, { hostname, hosts, resolvConf: resolvConfText("", dns) });
    return { mode: "none", etcFiles };
  }
  const info = netInfo(rec);
  rb.add(`tear down the network of ${rec.id}`, () => nets.tearDown(rec.id));
  // The links and ports follow in setup.ready while the runtime creates the container.
  const setup = await nets.setUp(info, { deferLinks: true }).catch((e) => {
    throw wrapError(e, "failed to set up container networking");
  });
  const ready = setup.ready?.catch((e: unknown) => {
    throw wrapError(e, "failed to set up container networking");
  });
  // Handled here too: a start that fails before it awaits `ready` must not leave it unhandled.
  ready?.catch(() => {});
  // host-gateway: an address of the host the container reaches directly: its first network's gateway.
  const gateway = () => Object.values(nets.view(rec.id, info).networks)[0]?.Gateway || defaultGateway();
  const hosts = [...setup.hostsEntries, ...extraHostLines(hc, gateway)];
  // berth's resolver forwards to the --dns servers itself: its nameserver line stays (the
  // network's names keep resolving); --dns-search / --dns-option still apply.
  const overrides = setup.embeddedDns ? { search: hc.DnsSearch, options: hc.DnsOptions } : dns;
  const etcFiles = await writeEtcFiles(rec.dir, { hostname, hosts, resolvConf: resolvConfText(setup.resolvConf, overrides) });
  return { mode: { path: setup.netnsPath }, etcFiles, ...(ready ? { ready } : {}) };
}

/**
 * moby's connectToNetwork: with the daemon's default bridge disabled (berthd/dockerd --bridge
 * none) a container on the default network runs with networking disabled (loopback only), as a
 * `docker run busybox` against such a daemon does, instead of failing to find "bridge".
 */
function defaultBridgeDisabled(nets: ContainerNetworking, endpoints: Record<string, EndpointSettings>): boolean {
  const names = Object.keys(endpoints);
  if (names.length !== 1 || names[0] !== "bridge") return false;
  try {
    nets.resolveName("bridge");
    return false;
  } catch (e) {
    if (isEngineError(e, "NotFound")) return true;
    throw e;
  }
}

/** container:<id>: the running target's netns and /etc files; the target's hostname. */
function joinContainer(ctx: ContainerContext, rec: ContainerRecord, targetName: string): StartNetwork {
  const target = ctx.store.get(targetName);
  if (target.id === rec.id) throw invalidArgument("cannot join own network");
  if (!isRunning(target)) throw conflict(`cannot join network of a non running container: ${target.id}`);
  rec.config.Hostname = target.config.Hostname || shortId(target.id);
  rec.config.Domainname = target.config.Domainname ?? "";
  const tmode = parseNetworkMode(target.hostConfig.NetworkMode);
  const etcFiles = etcFilesOf(ctx, target);
  if (tmode.kind === "host") return { mode: "host", etcFiles };
  const path = (tmode.kind === "network" && ctx.networks?.netnsPath(target.id)) || `/proc/${target.state.pid}/ns/net`;
  return { mode: { path }, etcFiles };
}

/**
 * The /etc files a container's processes see: its own, or for container:<id> the target's (and
 * if the target joined another container, that one's: Docker's paths).
 */
export function etcFilesOf(ctx: ContainerContext, rec: ContainerRecord): EtcFiles {
  let owner = rec;
  for (let depth = 0; depth < 8; depth++) {
    const m = parseNetworkMode(owner.hostConfig.NetworkMode);
    const next = m.kind === "container" ? ctx.store.find(m.target) : undefined;
    if (!next) break;
    owner = next;
  }
  return etcPaths(owner.dir);
}

/** Docker's network events: Actor = the network, attributes container, name, type. */
function emitNetwork(ctx: ContainerContext, action: "connect" | "disconnect", containerId: string, name: string, networkId: string | undefined): void {
  ctx.events.publish({ Type: "network", Action: action, id: networkId || name, attributes: { container: containerId, name, type: "bridge" } });
}

/** After a successful start: a `network connect` event per network, as Docker's endpoint joins. */
export function announceConnected(ctx: ContainerContext, rec: ContainerRecord): void {
  if (!isBridged(ctx, rec)) return;
  try {
    for (const [name, s] of Object.entries(ctx.networks!.view(rec.id, netInfo(rec)).networks)) emitNetwork(ctx, "connect", rec.id, name, s.NetworkID);
  } catch (e) {
    ctx.log("warn", `container ${rec.id}: network connect events: ${(e as Error).message}`);
  }
}

/**
 * At exit (also one found at live restore): the network service tears everything down.
 * Resolves to the announcement of the `network disconnect` events, which the caller makes
 * after its `die` (Docker's order) while the tear-down itself runs alongside the rest of the
 * exit's clean-up. Failures are logged, never lose the exit.
 */
export async function stopNetworking(ctx: ContainerContext, rec: ContainerRecord): Promise<() => void> {
  if (!isBridged(ctx, rec)) return () => {};
  const nets = ctx.networks!;
  let attached: [string, EndpointSettings][] = [];
  try {
    attached = Object.entries(nets.view(rec.id, netInfo(rec)).networks);
  } catch {
    // Not set up (the daemon restarted and restore has not adopted it): nothing to announce.
  }
  try {
    await nets.tearDown(rec.id);
  } catch (e) {
    ctx.log("warn", `container ${rec.id}: tearing down its network failed: ${(e as Error).message}`);
    return () => {};
  }
  return () => {
    for (const [name, s] of attached) emitNetwork(ctx, "disconnect", rec.id, name, s.NetworkID);
  };
}

/** At removal: whatever is left of its network is gone (idempotent; failures fail the removal). */
export async function releaseNetworking(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  if (isBridged(ctx, rec)) await ctx.networks!.tearDown(rec.id);
}

/** Live restore, once every record is reconciled: adopt running containers' networks, drop the rest. */
export async function restoreNetworking(ctx: ContainerContext): Promise<void> {
  if (!ctx.networks) return;
  const running = ctx.store.all().filter((r) => isRunning(r) && isBridged(ctx, r)).map(netInfo);
  await ctx.networks.restore(running);
}

/** inspect's NetworkSettings and /etc file paths (the shared target's for container:<id>). */
export function networkInspect(ctx: ContainerContext, rec: ContainerRecord): { settings: NetworkSettings; etcFiles: EtcFiles } {
  return { settings: networkSettingsView(rec, liveNetwork(ctx, rec)), etcFiles: etcFilesOf(ctx, rec) };
}

/** inspect's live part for a running bridged container. */
export function liveNetwork(ctx: ContainerContext, rec: ContainerRecord): LiveNetwork | undefined {
  if (!isRunning(rec) || !isBridged(ctx, rec)) return undefined;
  const nets = ctx.networks!;
  const sandboxKey = nets.netnsPath(rec.id);
  if (!sandboxKey) return undefined;
  return { view: nets.view(rec.id, netInfo(rec)), sandboxKey };
}

function networksOf(ctx: ContainerContext, rec: ContainerRecord, network: string): { nets: ContainerNetworking; name: string } {
  const nets = ctx.networks;
  if (!nets) throw new EngineError("NotImplemented", "networks are not available in this daemon");
  const mode = parseNetworkMode(rec.hostConfig.NetworkMode);
  if (mode.kind === "container") throw invalidArgument(ERR_SHARED);
  const name = nets.resolveName(network);
  if (mode.kind === "host" || name === "host") throw new EngineError("Forbidden", ERR_HOST_NET);
  if (mode.kind === "none" || name === "none") throw new EngineError("Forbidden", ERR_NO_NET);
  return { nets, name };
}

/**
 * POST /networks/{id}/connect (under the container's lock): a running container gets the
 * endpoint now (and its /etc/hosts a line for the new address); a stopped one only its record.
 */
export async function connectContainer(ctx: ContainerContext, rec: ContainerRecord, network: string, cfg: EndpointSettings): Promise<void> {
  const { nets, name } = networksOf(ctx, rec, network);
  if (rec.endpoints?.[name]) throw new EngineError("Forbidden", `endpoint with name ${rec.name} already exists in network ${name}`);
  if (!isRunning(rec)) {
    const validated = nets.validate(name, { [name]: cfg }, {}, []);
    rec.endpoints = { ...(rec.endpoints ?? {}), [name]: validated[name] ?? Object.values(validated)[0] ?? cfg };
    ctx.store.save(rec);
    return;
  }
  const r = await nets.connect(name, netInfo(rec), cfg);
  rec.endpoints = { ...(rec.endpoints ?? {}), [r.name]: r.settings };
  ctx.store.save(rec);
  const now = nets.view(rec.id, netInfo(rec)).networks[r.name];
  if (now?.IPAddress) await editHosts(rec, (lines) => [...lines, `${now.IPAddress}\t${netInfo(rec).hostname}`]);
  emitNetwork(ctx, "connect", rec.id, r.name, now?.NetworkID ?? r.settings.NetworkID);
}

/** POST /networks/{id}/disconnect (under the container's lock); the mirror of connectContainer. */
export async function disconnectContainer(ctx: ContainerContext, rec: ContainerRecord, network: string): Promise<void> {
  const { nets, name } = networksOf(ctx, rec, network);
  if (!rec.endpoints?.[name]) throw new EngineError("Forbidden", `container ${rec.id} is not connected to network ${name}`);
  const rest = (): Record<string, EndpointSettings> => Object.fromEntries(Object.entries(rec.endpoints ?? {}).filter(([k]) => k !== name));
  if (!isRunning(rec)) {
    rec.endpoints = rest();
    ctx.store.save(rec);
    return;
  }
  const before = nets.view(rec.id, netInfo(rec)).networks[name];
  await nets.disconnect(name, rec.id);
  rec.endpoints = rest();
  ctx.store.save(rec);
  if (before?.IPAddress) await editHosts(rec, (lines) => lines.filter((l) => l.split(/\s+/)[0] !== before.IPAddress));
  emitNetwork(ctx, "disconnect", rec.id, name, before?.NetworkID ?? "");
}

/** Rewrites the container's /etc/hosts in place (same inode: the running container's bind mount sees it). */
async function editHosts(rec: ContainerRecord, edit: (lines: string[]) => string[]): Promise<void> {
  const path = etcPaths(rec.dir).hosts;
  const lines = (await readFile(path, "utf8").catch(() => "")).split("\n").filter((l) => l !== "");
  await writeFile(path, edit(lines).join("\n") + "\n");
}
