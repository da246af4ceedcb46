/**
 * The network side of live restore (NetworkService.restore, after open): running containers'
 * endpoints adopted (a rename while berthd was down applied, a port proxy that died restarted
 * on its recorded ports), everything of containers not running torn down, and berth-proxy
 * processes no record names stopped.
 */
import type { ContainerNetInfo } from "./types.js";
import type { ServiceContext } from "./serviceContext.js";
import type { PortMapping } from "./ports/portSpec.js";
import { contains, parseIPv4, parseSubnet } from "./ipam/ipv4.js";

/** What restore needs of the container side (Attachments). */
export interface ContainerSide {
  tearDown(containerId: string): Promise<void>;
  rename(containerId: string, newName: string): void;
}

export async function restoreContainers(x: ServiceContext, running: ContainerNetInfo[], a: ContainerSide): Promise<void> {
  const { store, opts } = x;
  const live = new Map(running.map((c) => [c.id, c]));
  const known = new Set([...store.allNetns().map((r) => r.containerId), ...store.allEndpoints().map((e) => e.containerId)]);
  for (const id of known) {
    if (live.has(id)) continue;
    opts.log("info", `network restore: container ${id} is not running: tearing its network down`);
    try {
      await a.tearDown(id);
    } catch (e) {
      opts.log("error", `network restore: ${(e as Error).message}`);
    }
  }
  for (const c of running) {
    const ns = store.netns(c.id);
    if (!ns) continue;
    // A rename while the daemon was down: inspect's Containers and DNS use the current name.
    a.rename(c.id, c.name);
    if (!opts.userlandProxy || ns.published.length === 0 || (ns.proxy && (await x.proxy.alive(ns.proxy)))) continue;
    // The proxy died while berthd was down (or a crash came between stopping one and starting
    // its successor): start it again on the recorded ports.
    const mappings: PortMapping[] = ns.published.map((p) => ({ proto: p.proto, hostIp: p.hostIp, hostPort: String(p.hostPort), containerIp: p.containerIp, containerPort: p.containerPort }));
    try {
      const h = await x.proxy.start(mappings, (p) => store.putNetns({ ...ns, proxy: p }));
      store.putNetns({ ...ns, proxy: { pid: h.pid, startTime: h.startTime }, published: h.bound });
      opts.log("info", `network restore: restarted the port proxy of ${c.name}`);
    } catch (e) {
      store.putNetns({ ...ns, proxy: null, published: [] });
      opts.log("error", `network restore: port proxy of ${c.name}: ${(e as Error).message}`);
    }
  }
  await stopUnrecordedProxies(x);
}

/**
 * berth-proxy processes forwarding to an address of one of this daemon's networks that no
 * record names: left by a crash the records do not cover. Stopped, so they do not forward
 * (and hold host ports) for as long as the host runs. Networks of side-by-side daemons never
 * overlap (subnets are checked against the host's routes), so another daemon's are left alone.
 */
async function stopUnrecordedProxies(x: ServiceContext): Promise<void> {
  const { store, opts, proxy } = x;
  if (!proxy.list) return;
  const recorded = new Set(store.allNetns().flatMap((r) => (r.proxy ? [`${r.proxy.pid}/${r.proxy.startTime}`] : [])));
  const subnets = store.networks().flatMap((n) => (n.driver === "bridge" && n.subnet ? [parseSubnet(n.subnet)!] : []));
  const ours = (ip: string) => {
    const n = parseIPv4(ip);
    return n !== undefined && subnets.some((s) => contains(s, n));
  };
  let found;
  try {
    found = await proxy.list();
  } catch (e) {
    opts.log("warn", `network restore: listing port proxies: ${(e as Error).message}`);
    return;
  }
  for (const p of found) {
    if (recorded.has(`${p.pid}/${p.startTime}`) || !p.targets.some(ours)) continue;
    opts.log("warn", `network restore: stopping port proxy ${p.pid} (forwarding to ${p.targets.join(", ")}) that no container's record names`);
    try {
      await proxy.stop(p);
    } catch (e) {
      opts.log("error", `network restore: ${(e as Error).message}`);
    }
  }
}
