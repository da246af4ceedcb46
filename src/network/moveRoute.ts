/**
 * The default route follows the container's networks, as in Docker (moby re-selects the
 * sandbox's gateway endpoint at every join and leave): when the endpoint carrying it is
 * disconnected and the container is still on other networks, one of them takes it over, and a
 * network connected with a higher GwPriority than the current one's takes it (Attachments.connect).
 * Which one: the highest GwPriority (Docker 28's `--network name=x,gw-priority=n`), then
 * attachment order (the rule at start too); internal networks have no gateway and never carry it.
 */
import { notImplemented } from "../errors/EngineError.js";
import { routeMtu } from "./bridge/mtu.js";
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
    const moved = await routeVia(x, ns, best.e, best.gateway);
    opts.log("info", `${what}: now via ${best.gateway} on ${best.e.ifName}`);
    return moved;
  } catch (e) {
    opts.log("error", `${what}: moving it to ${best.gateway} on ${best.e.ifName}: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * The container's default route via `gateway` out of `to`'s interface, recorded on `to` (and
 * taken off `from`, the endpoint that carried it, when still there). Returns `to` as recorded.
 * Rejects when the helper cannot do it (nothing changed then: the kernel replaces in one step).
 */
export async function routeVia(x: ServiceContext, ns: NetnsRecord, to: EndpointRecord, gateway: string, from?: EndpointRecord): Promise<EndpointRecord> {
  const { store, ops } = x;
  if (!ops.routeDefault) throw notImplemented(`move the default route of ${ns.containerId}: the netlink helper has no route operation`);
  const n = store.network(to.networkId);
  // The route's mtu metric keeps traffic leaving the host at the outside MTU (bridge/mtu.ts).
  await ops.routeDefault(ns.path, to.ifName, gateway, n ? routeMtu(n) : 0);
  const moved = { ...to, gateway };
  store.tx(() => {
    store.updateEndpoint(moved);
    if (from && from.id !== to.id) {
      const cur = store.endpointsOfContainer(ns.containerId).find((e) => e.id === from.id);
      if (cur) store.updateEndpoint({ ...cur, gateway: "" });
    }
  });
  return moved;
}
