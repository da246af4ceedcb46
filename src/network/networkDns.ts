/**
 * What the network service needs from the DNS server (src/network/dns/, another concern): a
 * listener per bridge gateway, and the names each user-defined network answers. The service
 * owns the records; the DNS server only serves what it is told.
 */
export interface DnsName {
  /** Container name, alias, short id or hostname. */
  name: string;
  ip: string;
}

export interface NetworkDns {
  /**
   * Listens on UDP+TCP 53 of `gatewayIp` for network `networkId`; `names` false = forward only
   * (the default bridge). Idempotent.
   */
  listen(networkId: string, gatewayIp: string, names: boolean): Promise<void>;
  /** Stops the listener of the network (no-op when none). */
  unlisten(networkId: string): Promise<void>;
  /** Replaces the names answered for `networkId`. */
  setNames(networkId: string, names: DnsName[]): void;
  /** Stops every listener. */
  close(): Promise<void>;
}
