/**
 * The kernel operations networking needs (docs/networking.md, "netlink helper protocol"). The
 * daemon's implementation is the resident `berth-netlink` helper (src/sys/netHelper.ts); unit
 * tests use a recording fake. Every method is idempotent where the protocol says "ok if missing".
 * Failures reject with an EngineError whose detail carries the helper's errno name.
 */
export interface VethRequest {
  /** Host-side interface name (≤ 15 bytes), e.g. `vb1a2b3c4d5e`. */
  hostName: string;
  /** The container's netns file (from netnsCreate). */
  netnsPath: string;
  /** Name inside the container: eth0, eth1, ... */
  ifName: string;
  /** aa:bb:cc:dd:ee:ff */
  mac: string;
  mtu: number;
  /** Bridge the host end is enslaved to. */
  bridge: string;
  /** Container address with prefix, e.g. 172.18.0.2/16. */
  cidr: string;
  /** Default route via this address; "" for no default route (second networks, internal). */
  gateway: string;
  /** Bridge port isolation (icc=false): isolated ports cannot talk to each other. */
  isolated: boolean;
  /** `mtu` metric of the default route (the MTU outside the host); absent or 0: none. */
  routeMtu?: number;
}

export interface NetOps {
  netnsCreate(path: string): Promise<void>;
  netnsDelete(path: string): Promise<void>;
  /** Creates the bridge if absent, makes sure it has `cidr` (gateway/prefix), sets it up. */
  bridgeEnsure(name: string, cidr: string, mtu: number): Promise<void>;
  bridgeDelete(name: string): Promise<void>;
  vethAdd(req: VethRequest): Promise<void>;
  linkDelete(name: string): Promise<void>;
  /** Runs an nft script (one transaction). */
  nft(script: string): Promise<void>;
  /** Writes /proc/sys/<key with dots as slashes> in the host's netns. */
  sysctl(key: string, value: string): Promise<void>;
  /**
   * Inside the netns at `netnsPath`: the default route (of the gateway's family) becomes "via
   * `gateway` dev `ifName`", replacing the one there is (or added when there is none). Used
   * when the network carrying the default route is disconnected. Optional: without it the
   * route is not moved (docs/networking.md). `mtu` > 0: the route's mtu metric (bridge/mtu.ts).
   */
  routeDefault?(netnsPath: string, ifName: string, gateway: string, mtu?: number): Promise<void>;
  /**
   * A veth pair made ahead of its container (the warm pool, NetnsPool.ts): the peer `ifName`
   * inside the netns at `netnsPath`, down, without address; the host end down and not yet a
   * bridge port; `mtu` and `routeMtu` (GSO settings) as vethAdd applies them. Nothing is left
   * on failure. Optional, like vethTake: without them there is no pool.
   */
  vethPrepare?(req: Pick<VethRequest, "hostName" | "netnsPath" | "ifName" | "mtu" | "routeMtu">): Promise<void>;
  /**
   * The rest of vethAdd on a prepared pair, in one request: the host end a port of `bridge`
   * (isolated as asked), up; inside: the peer's MAC, address, up, default route. On failure
   * the pair is deleted.
   */
  vethTake?(req: Pick<VethRequest, "hostName" | "netnsPath" | "ifName" | "mac" | "bridge" | "isolated" | "cidr" | "gateway" | "routeMtu">): Promise<void>;
  /** Ends the helper (the daemon is closing). */
  close(): void;
}
