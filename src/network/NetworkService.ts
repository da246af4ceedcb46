/**
 * The network service: Docker's network API (list/inspect/create/remove/prune) and the
 * engine's ContainerNetworking contract (src/network/types.ts) over one set of SQLite records,
 * the kernel operations of NetOps and berth's nftables table. See src/network/README.md.
 */
import { EngineError } from "../errors/EngineError.js";
import type { SqliteDatabase } from "../image/metadata/sqlite.js";
import type { Filters } from "../api/filters.js";
import type { PortMap } from "../api/types/container.js";
import type {
  EndpointSettings, NetworkCreateRequest, NetworkCreateResponse, NetworkPruneResponse, NetworkResource,
} from "../api/types/network.js";
import type { NetOps } from "./NetOps.js";
import type { ContainerNetInfo, ContainerNetworking, ContainerNetworkView, NetworkSetup } from "./types.js";
import type { DnsServer } from "./dns/DnsServer.js";

export interface NetworkServiceOptions {
  db: SqliteDatabase;
  ops: NetOps;
  /** netns files at <execRoot>/netns/<container id> */
  execRoot: string;
  /** The nft table (family inet) berth owns. */
  tableName: string;
  /** --bridge/--bip; null = no default "bridge" network (--bridge none). */
  defaultBridge: { name: string; cidr?: string } | null;
  /** --default-address-pool; empty = Docker's defaults. */
  addressPools: { base: string; size: number }[];
  /** true: berth-proxy per container; false: kernel DNAT rules in berth's table. */
  userlandProxy: boolean;
  /** enable_icc of the default bridge. */
  icc: boolean;
  /** berthd's embedded resolver (listens on each bridge's gateway); null = containers get the host's nameservers. */
  dns: DnsServer | null;
  /** Port the resolver listens on (53; tests may use another). */
  dnsPort?: number;
  proxyBinary?: string;
  /** default /etc/resolv.conf */
  hostResolvConf?: string;
  log: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
}

const notYet = (what: string) => new EngineError("NotImplemented", `${what}: not implemented in berth yet`);

export class NetworkService implements ContainerNetworking {
  private constructor(private readonly o: NetworkServiceOptions) {}

  /** Schema, predefined networks, default bridge in the kernel, nft table installed. */
  static async open(o: NetworkServiceOptions): Promise<NetworkService> {
    return new NetworkService(o);
  }

  list(_filters: Filters): NetworkResource[] {
    throw notYet("list networks");
  }

  inspect(_idOrName: string, _o?: { verbose?: boolean }): NetworkResource {
    throw notYet("inspect network");
  }

  async create(_req: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    throw notYet("create network");
  }

  async remove(_idOrName: string): Promise<void> {
    throw notYet("remove network");
  }

  async prune(_filters: Filters): Promise<NetworkPruneResponse> {
    throw notYet("prune networks");
  }

  validate(_mode: string, _endpoints: Record<string, EndpointSettings> | undefined, _portBindings: PortMap, _exposedPorts: string[]): Record<string, EndpointSettings> {
    throw notYet("validate network settings");
  }

  async setUp(_c: ContainerNetInfo): Promise<NetworkSetup> {
    throw notYet("set up container networking");
  }

  async tearDown(_containerId: string): Promise<void> {
    throw notYet("tear down container networking");
  }

  netnsPath(_containerId: string): string | undefined {
    throw notYet("netns path");
  }

  view(_containerId: string, _c: ContainerNetInfo): ContainerNetworkView {
    throw notYet("view container networking");
  }

  async connect(_network: string, _c: ContainerNetInfo, _cfg: EndpointSettings): Promise<{ name: string; settings: EndpointSettings }> {
    throw notYet("connect container");
  }

  async disconnect(_network: string, _containerId: string): Promise<void> {
    throw notYet("disconnect container");
  }

  resolveName(_network: string): string {
    throw notYet("resolve network");
  }

  async restore(_running: ContainerNetInfo[]): Promise<void> {
    throw notYet("restore networking");
  }

  /** Stops DNS listeners; leaves kernel state (containers keep running: live restore). */
  async close(): Promise<void> {
    void this.o;
  }
}
