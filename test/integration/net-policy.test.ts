// Network policy (berth.network.allow) against the real kernel: NetworkService over berth-netlink,
// one user network with random names and subnet, "containers" that are netns files set up by the
// service, TCP proved with busybox nc from inside them. The labelled container reaches only the
// allowed port of the allowed container; an unlabelled one reaches both; the rules follow the
// endpoints; nothing is left afterwards (links, netns files, nft table). Root and br_netfilter only.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDatabase } from "../../src/image/metadata/testDatabase.js";
import { NetHelper, defaultNetHelperPath } from "../../src/sys/netHelper.js";
import { netTestSkip } from "./net-testenv.js";
import { NetworkService } from "../../src/network/NetworkService.js";
import type { ContainerNetInfo } from "../../src/network/types.js";

const helperBin = defaultNetHelperPath();
const BRIDGE_NF = "/proc/sys/net/bridge/bridge-nf-call-iptables";
const skip = netTestSkip({ brNetfilter: true });

const rand = randomBytes(3).toString("hex");
const table = `berth_test_${rand}`;
const bridge = `bt${rand}p`;
const net = `10.${200 + (randomBytes(1)[0]! % 8)}.${randomBytes(1)[0]! % 254}`;
const netName = `berth-test-${rand}-pol`;

let dir = "";
let helper: NetHelper;
let svc: NetworkService;
let db: ReturnType<typeof openTestDatabase>;
const started: ContainerNetInfo[] = [];
const servers: ChildProcess[] = [];

function info(name: string, labels: Record<string, string> = {}): ContainerNetInfo {
  const id = randomBytes(32).toString("hex");
  return { id, name: `berth-test-${rand}-${name}`, hostname: id.slice(0, 12), endpoints: { [netName]: {} }, portBindings: {}, publishAll: false, exposedPorts: [], labels };
}

/** A TCP server inside the netns answering `text` to every connection. */
function serve(netnsPath: string, port: number, text: string): void {
  servers.push(spawn("nsenter", [`--net=${netnsPath}`, "/bin/busybox", "sh", "-c", `while true; do echo ${text} | /bin/busybox nc -l -p ${port}; done`], { stdio: "ignore", detached: true }));
}

/** Connects from inside `netnsPath`; what the server sent, or "" (refused, dropped: 2 s). */
function fetchFrom(netnsPath: string, ip: string, port: number): string {
  const r = spawnSync("nsenter", [`--net=${netnsPath}`, "/bin/busybox", "nc", "-w", "2", ip, String(port)], { encoding: "utf8", input: "", timeout: 10_000 });
  return (r.stdout ?? "").trim();
}

async function eventuallyFetch(netnsPath: string, ip: string, port: number, want: string): Promise<string> {
  let got = "";
  for (let i = 0; i < 30 && got !== want; i++) {
    got = fetchFrom(netnsPath, ip, port);
    if (got !== want) await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

const nftTable = () => spawnSync("nft", ["list", "table", "inet", table], { encoding: "utf8" }).stdout ?? "";
const linkExists = (name: string) => spawnSync("ip", ["link", "show", "dev", name], { stdio: "ignore" }).status === 0;

before(async () => {
  if (skip) return;
  assert.equal(readFileSync(BRIDGE_NF, "utf8").trim(), "1", "bridged traffic must pass nftables on this host");
  dir = mkdtempSync(join(tmpdir(), `berth-test-netpol-${rand}-`));
  db = openTestDatabase(join(dir, "berth.db"));
  helper = new NetHelper({ binary: helperBin });
  svc = await NetworkService.open({
    db, ops: helper, execRoot: join(dir, "exec"), tableName: table, defaultBridge: null,
    addressPools: [], userlandProxy: true, icc: true, dns: null, log: (l, m) => { if (l === "error" || l === "warn") console.error(`netpol ${l}: ${m}`); },
  });
  await svc.create({ Name: netName, IPAM: { Config: [{ Subnet: `${net}.0/24` }] }, Options: { "com.docker.network.bridge.name": bridge } });
});

after(async () => {
  if (skip) return;
  for (const s of servers) {
    try { process.kill(-s.pid!, "SIGKILL"); } catch { /* gone */ }
  }
  for (const c of started) await svc.tearDown(c.id).catch(() => {});
  await svc.remove(netName).catch(() => {});
  await svc.removeFirewall().catch(() => {});
  helper.close();
  db.close();
  if (linkExists(bridge)) spawnSync("ip", ["link", "del", bridge], { stdio: "ignore" });
  spawnSync("nft", ["delete", "table", "inet", table], { stdio: "ignore" });
  const nsDir = join(dir, "exec", "netns");
  for (const f of existsSync(nsDir) ? readdirSync(nsDir) : []) spawnSync("umount", ["-l", join(nsDir, f)], { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
});

test("allow=api:80: api:80 yes, api:8080 and db no; an unlabelled container reaches all; rules follow endpoints; nothing left", { skip }, async () => {
  const api = info("api");
  const db1 = info("db");
  const client = info("client", { "berth.network.allow": `${api.name}:80` });
  const free = info("free");
  const setups = new Map<string, string>();
  for (const c of [api, db1, client, free]) {
    started.push(c);
    setups.set(c.id, (await svc.setUp(c)).netnsPath);
  }
  const ns = (c: ContainerNetInfo) => setups.get(c.id)!;
  const ip = (c: ContainerNetInfo) => svc.view(c.id, c).networks[netName]!.IPAddress!;
  serve(ns(api), 80, "api80");
  serve(ns(api), 8080, "api8080");
  serve(ns(db1), 5432, "db");
  // The unlabelled container reaches every server (they are up).
  assert.equal(await eventuallyFetch(ns(free), ip(api), 80, "api80"), "api80");
  assert.equal(await eventuallyFetch(ns(free), ip(api), 8080, "api8080"), "api8080");
  assert.equal(await eventuallyFetch(ns(free), ip(db1), 5432, "db"), "db");
  // The labelled one: the allowed port only.
  assert.equal(await eventuallyFetch(ns(client), ip(api), 80, "api80"), "api80");
  assert.equal(fetchFrom(ns(client), ip(api), 8080), "", "api:8080 is dropped");
  assert.equal(fetchFrom(ns(client), ip(db1), 5432), "", "db is dropped");
  // IPv6 link-local does not get around the policy. IPv6 is off in a container's netns (as
  // Docker's), so no interface has one until turned on (--sysctl net.ipv6.conf.all.disable_ipv6=0).
  const linkLocal = (c: ContainerNetInfo) => /inet6 (fe80::[0-9a-f:]+)\//.exec(spawnSync("nsenter", [`--net=${ns(c)}`, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"], { encoding: "utf8" }).stdout)?.[1];
  assert.equal(linkLocal(api), undefined, "IPv6 is off by default");
  for (const c of [api, client, free]) {
    assert.equal(spawnSync("nsenter", [`--net=${ns(c)}`, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6"]).status, 0);
  }
  const ll = linkLocal(api);
  assert.ok(ll, "api has a link-local IPv6 address once IPv6 is on");
  assert.equal(await eventuallyFetch(ns(free), `${ll}%eth0`, 8080, "api8080"), "api8080", "an unlabelled container reaches api over IPv6 link-local");
  assert.equal(fetchFrom(ns(client), `${ll}%eth0`, 8080), "", "the labelled one does not");
  // Traffic to the host (its gateway address) is dropped too.
  assert.notEqual(spawnSync("nsenter", [`--net=${ns(client)}`, "/bin/busybox", "ping", "-c1", "-W1", `${net}.1`]).status, 0);
  assert.equal(spawnSync("nsenter", [`--net=${ns(free)}`, "/bin/busybox", "ping", "-c1", "-W1", `${net}.1`]).status, 0);
  // The target goes away: its address is no longer allowed; the chain stays (the client runs).
  await svc.tearDown(api.id);
  assert.doesNotMatch(nftTable(), /dport 80 return/);
  assert.match(nftTable(), new RegExp(`chain allow_${client.id.slice(0, 12)} \\{`));
  await svc.tearDown(client.id);
  assert.doesNotMatch(nftTable(), /allow_|policy_/);
  for (const c of [db1, free]) await svc.tearDown(c.id);
  assert.deepEqual(readdirSync(join(dir, "exec", "netns")), []);
});
