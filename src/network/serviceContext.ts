/** What the container side of the service (Attachments) needs from NetworkService. */
import type { NetOps } from "./NetOps.js";
import type { NetworkRecord, NetworkStore } from "./NetworkStore.js";
import type { NetworkServiceOptions } from "./NetworkService.js";
import type { PortProxy } from "./portProxy.js";
import type { NetnsPool } from "./NetnsPool.js";

export interface ServiceContext {
  store: NetworkStore;
  ops: NetOps;
  opts: NetworkServiceOptions;
  proxy: PortProxy;
  /** Name, id or unique id prefix → record; NotFound otherwise. */
  lookup(idOrName: string): NetworkRecord;
  /** Throws when the network may not get new endpoints (being removed). */
  usable(n: NetworkRecord): void;
  /** Regenerates berth's nft table from the records. */
  syncFirewall(): Promise<void>;
  /** The network's DNS listener is up. */
  dnsUp(networkId: string): boolean;
  /** Network namespaces made ahead of starts. */
  pool: NetnsPool;
}
