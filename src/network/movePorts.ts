/**
 * Published ports follow the container's gateway network, as Docker's do (moby moves the port
 * mappings to the new gateway endpoint when the old one leaves): when the endpoint the ports
 * point at is disconnected, they are re-pointed at the container's next network, keeping the
 * host ports they were bound on; with no network left they are released.
 */
import type { ServiceContext } from "./serviceContext.js";
import type { EndpointRecord, NetnsRecord, PublishedPort } from "./NetworkStore.js";
import type { PortMapping } from "./ports/portSpec.js";

/**
 * Re-points `ns`'s published ports from `goneIp` to `next` (undefined: released). Proxy mode:
 * the old proxy is stopped (its host ports freed) and a new one started on the same ports;
 * DNAT mode: the records change and the table is rewritten. Failures are logged, never thrown:
 * the disconnect they follow has happened and cannot be undone here.
 */
export async function movePublishedPorts(x: ServiceContext, ns: NetnsRecord, goneIp: string, next: EndpointRecord | undefined): Promise<void> {
  if (!ns.published.some((p) => p.containerIp === goneIp)) return;
  const { store, opts } = x;
  const moved: PublishedPort[] = next ? ns.published.map((p) => (p.containerIp === goneIp ? { ...p, containerIp: next.ip } : p)) : [];
  const what = `published ports of ${ns.containerId}`;
  if (!opts.userlandProxy) {
    store.putNetns({ ...ns, published: moved });
    try {
      await x.syncFirewall();
    } catch (e) {
      opts.log("error", `${what}: rewriting the DNAT rules for ${next?.ip ?? "no address"}: ${(e as Error).message}`);
    }
    return;
  }
  if (ns.proxy) {
    try {
      await x.proxy.stop(ns.proxy);
    } catch (e) {
      // Still running: it keeps the ports, so nothing new can bind them; its record stays.
      opts.log("error", `${what}: stopping the port proxy: ${(e as Error).message}`);
      return;
    }
  }
  // Recorded without a proxy, already aimed at the next address: a crash from here on is
  // repaired by restore (it starts the proxy of a running container on the recorded ports).
  store.putNetns({ ...ns, proxy: null, published: moved });
  if (!next || moved.length === 0) return;
  const mappings: PortMapping[] = moved.map((p) => ({ proto: p.proto, hostIp: p.hostIp, hostPort: String(p.hostPort), containerIp: p.containerIp, containerPort: p.containerPort }));
  try {
    // Recorded the moment it exists (see Attachments.publish).
    const h = await x.proxy.start(mappings, (p) => store.putNetns({ ...ns, proxy: p, published: moved }));
    store.putNetns({ ...ns, proxy: { pid: h.pid, startTime: h.startTime }, published: h.bound });
    opts.log("info", `${what}: now forwarded to ${next.ip}`);
  } catch (e) {
    store.putNetns({ ...ns, proxy: null, published: [] });
    opts.log("error", `${what}: restarting the port proxy for ${next.ip}: ${(e as Error).message}`);
  }
}
