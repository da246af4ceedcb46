/**
 * The default route follows the container's networks, as in Docker: when the endpoint carrying
 * it is disconnected and the container is still on other networks, one of them takes it over
 * (moby re-selects the sandbox's gateway endpoint). Which one: the highest GwPriority (Docker
 * 28's `--network name=x,gw-priority=n`), then attachment order (berth's rule at start: the
 * first network carries the route); internal networks have no gateway and never carry it.
 */
import type { ServiceContext } from "./serviceContext.js";
import type { EndpointRecord, NetnsRecord } from "./NetworkStore.js";

/**
 * Points `ns`'s default route at the gateway of the best of `rest` (the container's remaining
 * endpoints) and records it on that endpoint. Returns that endpoint, or undefined when none
 * can carry the route. A failure is logged, not thrown: the disconnect it follows has happened.
 */
export async function moveDefaultRoute(x: ServiceContext, ns: NetnsRecord, rest: EndpointRecord[]): Promise<EndpointRecord | undefined> {
  const { store, ops, opts } = x;
  const candidates = rest.flatMap((e) => {
    const n = store.network(e.networkId);
    return n && !n.internal && n.gateway ? [{ e, gateway: n.gateway, priority: e.config.GwPriority ?? 0 }] : [];
  });
  candidates.sort((a, b) => b.priority - a.priority || a.e.position - b.e.position);
  const best = candidates[0];
  if (!best) return undefined;
  const what = `default route of ${ns.containerId}`;
  if (!ops.routeDefault) {
    opts.log("warn", `${what}: not moved to ${best.gateway} (the netlink helper has no route operation)`);
    return undefined;
  }
  try {
    await ops.routeDefault(ns.path, best.e.ifName, best.gateway);
  } catch (e) {
    opts.log("error", `${what}: moving it to ${best.gateway} on ${best.e.ifName}: ${(e as Error).message}`);
    return undefined;
  }
  const moved = { ...best.e, gateway: best.gateway };
  store.updateEndpoint(moved);
  opts.log("info", `${what}: now via ${best.gateway} on ${best.e.ifName}`);
  return moved;
}
