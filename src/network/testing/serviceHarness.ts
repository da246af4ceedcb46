/** A NetworkService over an in-memory database, RecordingNetOps and fakes, for unit tests. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDatabase } from "../../image/metadata/testDatabase.js";
import type { SqliteDatabase } from "../../image/metadata/sqlite.js";
import type { EndpointSettings } from "../../api/types/network.js";
import { NetworkService, type NetworkServiceOptions } from "../NetworkService.js";
import type { ContainerNetInfo } from "../types.js";
import { RecordingNetOps } from "./RecordingNetOps.js";
import { FakeDns, FakePortProxy } from "./fakes.js";

export interface Harness {
  svc: NetworkService;
  ops: RecordingNetOps;
  proxy: FakePortProxy;
  dns: FakeDns;
  db: SqliteDatabase & { close(): void };
  dir: string;
  logs: string[];
  options: NetworkServiceOptions;
  /** Opens another service over the same database and directory (a daemon restart). */
  reopen(over?: Partial<NetworkServiceOptions>): Promise<NetworkService>;
}

export const ROUTES_HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

export async function withService(over: Partial<NetworkServiceOptions>, fn: (h: Harness) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-net-"));
  const db = openTestDatabase();
  try {
    // A host with eth0 on 192.168.2.0/24 and a route to 172.18.0.0/16 (e.g. a VPN).
    await writeFile(join(dir, "route"), ROUTES_HEADER +
      "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
      "eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
      "tun0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n");
    await writeFile(join(dir, "resolv.conf"), "nameserver 127.0.0.53\nnameserver 10.9.9.9\nsearch example.org\noptions ndots:2\n");
    const ops = new RecordingNetOps();
    const proxy = new FakePortProxy();
    const dns = new FakeDns();
    const logs: string[] = [];
    const options: NetworkServiceOptions = {
      db, ops, execRoot: join(dir, "exec"), tableName: "berth_unit", defaultBridge: { name: "berth0" }, addressPools: [],
      userlandProxy: true, icc: true, dns: dns.asServer(), portProxy: proxy, hostResolvConf: join(dir, "resolv.conf"),
      hostRoutesFile: join(dir, "route"), log: (level, msg) => logs.push(`${level}: ${msg}`),
      // No background refills under the recorded calls, unless a test asks for a pool.
      netnsPool: 0, ...over,
    };
    const svc = await NetworkService.open(options);
    await fn({ svc, ops, proxy, dns, db, dir, logs, options, reopen: (o) => NetworkService.open({ ...options, ...o }) });
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

let n = 0;
export function container(endpoints: Record<string, EndpointSettings>, more: Partial<ContainerNetInfo> = {}): ContainerNetInfo {
  n++;
  const id = (n.toString(16).padStart(4, "0") + "c0ffee").repeat(7).slice(0, 64);
  return { id, name: `c${n}`, hostname: id.slice(0, 12), endpoints, portBindings: {}, publishAll: false, exposedPorts: [], labels: {}, ...more };
}
