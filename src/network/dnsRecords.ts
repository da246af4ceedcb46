/**
 * The names a user-defined network's DNS listener answers, read from the endpoint records at
 * each query (so a set-up, connect or tear-down is visible at once, with nothing to keep in
 * sync). Names match case-insensitively, bare or qualified with the network's name
 * ("web" and "web.mynet"), as Docker's resolver does.
 */
import type { DnsRecords } from "./dns/DnsServer.js";
import type { EndpointRecord, NetworkStore } from "./NetworkStore.js";
import { linkAliases, linkTarget, type LinkAlias } from "./links.js";

/**
 * `client` (the query's source address) scopes the answer as Docker's resolver does: a
 * container known by that address on this network gets the names of every user-defined
 * network it is attached to — this one first, then the others in attachment order, the first
 * network knowing the name wins — and only those. An unknown client gets this network's names.
 * A known client with --dns servers has its other queries forwarded to them (`upstreams`).
 * A known client's legacy links (`--link name:alias`) are answered to it alone (links.ts).
 */
export function networkDnsRecords(store: NetworkStore, networkId: string, networkName: string): DnsRecords {
  /**
   * The networks whose names `client` sees, receiving network first, each with the client's
   * own endpoint there (its links; absent for an unknown client).
   */
  const scope = (client: string | undefined): { id: string; name: string; mine?: EndpointRecord }[] => {
    const self = { id: networkId, name: networkName };
    const me = client === undefined ? undefined : store.endpointsOfNetwork(networkId).find((e) => e.ip === client);
    if (!me) return [self];
    const others = store.endpointsOfContainer(me.containerId)
      .filter((e) => e.networkId !== networkId)
      .sort((a, b) => a.position - b.position)
      .flatMap((e) => {
        const n = store.network(e.networkId);
        // The default bridge has no names (its endpoints carry none either).
        return n && !n.defaultBridge ? [{ id: n.id, name: n.name, mine: e }] : [];
      });
    return [{ ...self, mine: me }, ...others];
  };
  return {
    lookup(name: string, client?: string): string[] {
      const nets = scope(client);
      // The client's link aliases come first, as in moby's sandbox: an alias stands for the
      // linked name on the network the link was made on, and only there.
      for (const n of nets) {
        const target = linkTarget(linksOf(n.mine), n.name, name);
        if (target === undefined) continue;
        const eps = store.endpointsOfNetwork(n.id);
        // A link may name its container by full id too (moby's links take names or ids).
        const byId = eps.filter((e) => e.containerId === target).map((e) => e.ip);
        const found = byId.length > 0 ? byId : namesOn(eps, n.name, target);
        if (found.length > 0) return found;
      }
      for (const n of nets) {
        // A name that is a link alias on this network is the link's (resolved above or not at all).
        if (linkTarget(linksOf(n.mine), n.name, name) !== undefined) continue;
        const found = namesOn(store.endpointsOfNetwork(n.id), n.name, name);
        if (found.length > 0) return found;
      }
      return [];
    },
    upstreams(client?: string): string[] | undefined {
      if (client === undefined) return undefined;
      return store.endpointsOfNetwork(networkId).find((e) => e.ip === client)?.upstreams;
    },
    reverse(ip: string, client?: string): string | undefined {
      for (const n of scope(client)) {
        const e = store.endpointsOfNetwork(n.id).find((x) => x.ip === ip);
        if (e && e.dnsNames.length > 0) return `${e.containerName}.${n.name}`;
      }
      return undefined;
    },
  };
}

/**
 * An endpoint's links: parsed at attach; an endpoint recorded before berth served links (a
 * container adopted across the upgrade) has them in its config only. Checked at create, so a
 * bad one here is ignored rather than failing every query of that client.
 */
function linksOf(e: EndpointRecord | undefined): LinkAlias[] | undefined {
  if (!e) return undefined;
  if (e.links) return e.links;
  try {
    return linkAliases(e.config.Links);
  } catch {
    return undefined;
  }
}

/** Addresses on one network answering `name`, bare or qualified with the network's name. */
function namesOn(endpoints: EndpointRecord[], networkName: string, name: string): string[] {
  const suffix = `.${networkName.toLowerCase()}`;
  const bare = name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
  const out: string[] = [];
  for (const e of endpoints) {
    const names = e.hostname ? [...e.dnsNames, e.hostname] : e.dnsNames;
    if (names.some((n) => n.toLowerCase() === name || n.toLowerCase() === bare)) out.push(e.ip);
  }
  return out;
}
