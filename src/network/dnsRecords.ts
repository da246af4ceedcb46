/**
 * The names a user-defined network's DNS listener answers, read from the endpoint records at
 * each query (so a set-up, connect or tear-down is visible at once, with nothing to keep in
 * sync). Names match case-insensitively, bare or qualified with the network's name
 * ("web" and "web.mynet"), as Docker's resolver does.
 */
import type { DnsRecords } from "./dns/DnsServer.js";
import type { NetworkStore } from "./NetworkStore.js";

export function networkDnsRecords(store: NetworkStore, networkId: string, networkName: string): DnsRecords {
  const suffix = `.${networkName.toLowerCase()}`;
  return {
    lookup(name: string): string[] {
      const bare = name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
      const out: string[] = [];
      for (const e of store.endpointsOfNetwork(networkId)) {
        const names = e.hostname ? [...e.dnsNames, e.hostname] : e.dnsNames;
        if (names.some((n) => n.toLowerCase() === name || n.toLowerCase() === bare)) out.push(e.ip);
      }
      return out;
    },
    reverse(ip: string): string | undefined {
      const e = store.endpointsOfNetwork(networkId).find((x) => x.ip === ip);
      return e && e.dnsNames.length > 0 ? `${e.containerName}.${networkName}` : undefined;
    },
  };
}
