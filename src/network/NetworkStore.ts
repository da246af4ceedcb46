/**
 * The network service's records in SQLite: networks, endpoints (one per container and network,
 * holding the allocated address: UNIQUE(network_id, ip) is the IPAM's guarantee) and
 * container_netns (a set-up container's netns file and port proxy). Writes are immediate, so
 * whatever a crash interrupts is visible to restore() from the records alone.
 */
import { ensureSchema, statementCache, type SqliteDatabase, type SqliteStatement } from "../image/metadata/sqlite.js";
import type { EndpointSettings } from "../api/types/network.js";
import type { LinkAlias } from "./links.js";

const SCHEMA_VERSION = 1;
const DDL = `
CREATE TABLE IF NOT EXISTS networks (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created TEXT NOT NULL,
  record TEXT NOT NULL,
  last_ip INTEGER
);
CREATE TABLE IF NOT EXISTS endpoints (
  id TEXT PRIMARY KEY,
  network_id TEXT NOT NULL REFERENCES networks(id),
  container_id TEXT NOT NULL,
  ip INTEGER NOT NULL,
  record TEXT NOT NULL,
  UNIQUE (network_id, ip),
  UNIQUE (network_id, container_id)
);
CREATE INDEX IF NOT EXISTS endpoints_by_container ON endpoints (container_id);
CREATE TABLE IF NOT EXISTS container_netns (
  container_id TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  ports TEXT NOT NULL
);`;

export type NetworkDriver = "bridge" | "host" | "null";

export interface NetworkRecord {
  id: string;
  name: string;
  /** RFC 3339 with nanoseconds like Docker's Created. */
  created: string;
  driver: NetworkDriver;
  /** bridge / host / none: shown always, never removed. */
  predefined: boolean;
  /** The default bridge ("bridge"): no DNS names, no aliases, no static addresses. */
  defaultBridge: boolean;
  /** Bridge networks only: canonical subnet, gateway, optional ip range and reserved addresses. */
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses: Record<string, string>;
  ipamDriver: string;
  ipamOptions: Record<string, string> | null;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  /** Options as shown by inspect (the user's, unknown ones kept). */
  options: Record<string, string>;
  /** Kernel interface of a bridge network. */
  bridge?: string;
  /** The MTU outside the host (inspect's), 1500 unless set; the link MTU is bridge/mtu.ts's. */
  mtu: number;
  /** Default bridge only: the MTU came from berthd --mtu (user networks: the option is set). */
  mtuExplicit?: boolean;
  icc: boolean;
  masquerade: boolean;
}

export interface EndpointRecord {
  id: string;
  networkId: string;
  containerId: string;
  /** Container name at set-up (inspect's Containers.Name). */
  containerName: string;
  /** eth0, eth1, ... */
  ifName: string;
  /** Host end of the veth pair (vb + 10 hex). */
  hostVeth: string;
  ip: string;
  prefix: number;
  mac: string;
  /** Default route through this endpoint's gateway ("" = none). */
  gateway: string;
  /** The address came from --ip. */
  staticIp: boolean;
  aliases: string[];
  /** Docker's DNSNames: container name, aliases, short id; empty on the default bridge. */
  dnsNames: string[];
  /** The container's hostname, answered by DNS too (user-defined networks only; "" otherwise). */
  hostname: string;
  /** The user's endpoint config as recorded by the engine. */
  config: EndpointSettings;
  /** Order of attachment (eth index). */
  position: number;
  /**
   * The container's --dns servers: berth's resolver forwards this container's other queries
   * to them instead of the host's nameservers (absent or empty: the host's).
   */
  upstreams?: string[];
  /**
   * Legacy links of this container on this network (config.Links parsed): aliases of other
   * containers that only this container resolves, here (src/network/links.ts).
   */
  links?: LinkAlias[];
}

/** A port the container publishes, as bound (proxy) or chosen (DNAT). */
export interface PublishedPort {
  proto: "tcp" | "udp";
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface NetnsRecord {
  containerId: string;
  path: string;
  /** The port proxy serving the container (userland proxy mode), or null. */
  proxy: { pid: number; startTime: string } | null;
  /** Published ports (proxy's bound report, or DNAT's chosen ports). */
  published: PublishedPort[];
  /** Exposed "port/proto" keys without a binding (NetworkSettings.Ports null entries). */
  exposed: string[];
  /**
   * A netns taken from the warm pool (NetnsPool.ts): its file, which `path` (a symlink) points
   * to. It goes with the container like `path`.
   */
  pooledPath?: string;
}

interface Row { record: string }

export class NetworkStore {
  /** Prepared statements, compiled once: a container's start and exit run about a dozen. */
  private readonly sql: (sql: string) => SqliteStatement;

  constructor(private readonly db: SqliteDatabase) {
    ensureSchema(db, "networks", SCHEMA_VERSION, DDL);
    this.sql = statementCache(db);
  }

  /** Runs fn in one SQLite transaction. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- networks

  networks(): NetworkRecord[] {
    return (this.sql("SELECT record FROM networks ORDER BY created, name").all() as Row[]).map((r) => JSON.parse(r.record) as NetworkRecord);
  }

  network(id: string): NetworkRecord | undefined {
    const r = this.sql("SELECT record FROM networks WHERE id = ?").get(id) as Row | undefined;
    return r ? (JSON.parse(r.record) as NetworkRecord) : undefined;
  }

  networkByName(name: string): NetworkRecord | undefined {
    const r = this.sql("SELECT record FROM networks WHERE name = ?").get(name) as Row | undefined;
    return r ? (JSON.parse(r.record) as NetworkRecord) : undefined;
  }

  insertNetwork(n: NetworkRecord): void {
    this.sql("INSERT INTO networks (id, name, created, record, last_ip) VALUES (?, ?, ?, ?, NULL)").run(n.id, n.name, n.created, JSON.stringify(n));
  }

  updateNetwork(n: NetworkRecord): void {
    this.sql("UPDATE networks SET name = ?, record = ? WHERE id = ?").run(n.name, JSON.stringify(n), n.id);
  }

  deleteNetwork(id: string): void {
    this.sql("DELETE FROM networks WHERE id = ?").run(id);
  }

  /** The IPAM cursor: the last dynamically allocated address (numeric), if any. */
  lastIp(networkId: string): number | undefined {
    const r = this.sql("SELECT last_ip FROM networks WHERE id = ?").get(networkId) as { last_ip: number | null } | undefined;
    return r?.last_ip ?? undefined;
  }

  setLastIp(networkId: string, ip: number): void {
    this.sql("UPDATE networks SET last_ip = ? WHERE id = ?").run(ip, networkId);
  }

  // --- endpoints

  /** Numeric addresses in use on a network. */
  usedIps(networkId: string): Set<number> {
    return new Set((this.sql("SELECT ip FROM endpoints WHERE network_id = ?").all(networkId) as { ip: number }[]).map((r) => r.ip));
  }

  ipTaken(networkId: string, ip: number): boolean {
    return this.sql("SELECT 1 FROM endpoints WHERE network_id = ? AND ip = ?").get(networkId, ip) !== undefined;
  }

  insertEndpoint(e: EndpointRecord, ipNumber: number): void {
    this.sql("INSERT INTO endpoints (id, network_id, container_id, ip, record) VALUES (?, ?, ?, ?, ?)").run(e.id, e.networkId, e.containerId, ipNumber, JSON.stringify(e));
  }

  /** Rewrites an endpoint's record (same id, network and address). */
  updateEndpoint(e: EndpointRecord): void {
    this.sql("UPDATE endpoints SET record = ? WHERE id = ?").run(JSON.stringify(e), e.id);
  }

  deleteEndpoint(id: string): void {
    this.sql("DELETE FROM endpoints WHERE id = ?").run(id);
  }

  endpointsOfNetwork(networkId: string): EndpointRecord[] {
    return this.rows("SELECT record FROM endpoints WHERE network_id = ? ORDER BY rowid", networkId);
  }

  endpointsOfContainer(containerId: string): EndpointRecord[] {
    return this.rows("SELECT record FROM endpoints WHERE container_id = ?", containerId).sort((a, b) => a.position - b.position);
  }

  allEndpoints(): EndpointRecord[] {
    return this.rows("SELECT record FROM endpoints ORDER BY rowid");
  }

  countEndpoints(networkId: string): number {
    return (this.sql("SELECT COUNT(*) AS n FROM endpoints WHERE network_id = ?").get(networkId) as { n: number }).n;
  }

  // --- container netns

  netns(containerId: string): NetnsRecord | undefined {
    const r = this.sql("SELECT container_id, path, ports FROM container_netns WHERE container_id = ?").get(containerId) as { container_id: string; path: string; ports: string } | undefined;
    return r ? this.netnsOf(r) : undefined;
  }

  allNetns(): NetnsRecord[] {
    return (this.sql("SELECT container_id, path, ports FROM container_netns").all() as { container_id: string; path: string; ports: string }[]).map((r) => this.netnsOf(r));
  }

  putNetns(n: NetnsRecord): void {
    // The pooled file rides in the JSON column (no schema change; absent for older records).
    const ports = JSON.stringify({ proxy: n.proxy, published: n.published, exposed: n.exposed, ...(n.pooledPath ? { pooledPath: n.pooledPath } : {}) });
    this.sql("INSERT INTO container_netns (container_id, path, ports) VALUES (?, ?, ?) ON CONFLICT(container_id) DO UPDATE SET path = excluded.path, ports = excluded.ports").run(n.containerId, n.path, ports);
  }

  deleteNetns(containerId: string): void {
    this.sql("DELETE FROM container_netns WHERE container_id = ?").run(containerId);
  }

  private rows(sql: string, ...params: unknown[]): EndpointRecord[] {
    return (this.sql(sql).all(...params) as Row[]).map((r) => JSON.parse(r.record) as EndpointRecord);
  }

  private netnsOf(r: { container_id: string; path: string; ports: string }): NetnsRecord {
    const p = JSON.parse(r.ports) as { proxy: NetnsRecord["proxy"]; published: PublishedPort[]; exposed: string[]; pooledPath?: string };
    return { containerId: r.container_id, path: r.path, proxy: p.proxy, published: p.published, exposed: p.exposed, ...(p.pooledPath ? { pooledPath: p.pooledPath } : {}) };
  }
}
