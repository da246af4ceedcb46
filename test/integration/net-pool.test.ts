// The warm netns pool against the real kernel (berth-netlink through NetHelper): pooled
// namespaces and veths are made after restore, a "container" (a netns set up by the service,
// no process needed) started from the pool gets the same links, addresses, routes, DNS name and
// published port as one started without, the pool follows the network in use, `network rm`
// is not refused for pooled veths, a killed daemon's pool is swept by the next restore, and
// after close no pooled netns file, mount or veth is left. Root only.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDatabase } from "../../src/image/metadata/testDatabase.js";
import { NetHelper, defaultNetHelperPath } from "../../src/sys/netHelper.js";
import { fetchText, freePort, inNs, inNsAsync, linkExists, netTestSkip, ping, portsOf, removeTestNetworking, testContainer } from "./net-testenv.js";
import { DnsServer } from "../../src/network/dns/DnsServer.js";
import { defaultProxyPath } from "../../src/network/ports/proxyProcess.js";
import { NetworkService, type NetworkServiceOptions } from "../../src/network/NetworkService.js";
import { POOL_DIR } from "../../src/network/NetnsPool.js";
import { hostVethName } from "../../src/network/bridge/endpointNames.js";
import type { ContainerNetInfo, NetworkSetup } from "../../src/network/types.js";
import type { EndpointSettings } from "../../src/api/types/network.js";

const helperBin = defaultNetHelperPath();
const proxyBin = defaultProxyPath();
const skip = netTestSkip({ proxy: true });

const rand = randomBytes(3).toString("hex");
const table = `berth_test_${rand}`;
const bridges = [`bp${rand}0`, `bp${rand}1`];
const second = randomBytes(1)[0]! % 8;
const third = randomBytes(1)[0]! % 253;
const nets = [0, 1].map((i) => `10.${200 + second}.${third + i}`);
const netA = `berth-test-${rand}-pool`;

let dir = "";
let helper: NetHelper;
let dns: DnsServer;
let db: ReturnType<typeof openTestDatabase>;
let options: NetworkServiceOptions;
const services: NetworkService[] = [];
const started: ContainerNetInfo[] = [];

const execRoot = () => join(dir, "exec");
const nsDir = () => join(execRoot(), "netns");
const poolDir = () => join(execRoot(), POOL_DIR);
/** Pooled netns files a container took: its <execRoot>/netns/<id> links to one. */
const takenFiles = () => new Set((existsSync(nsDir()) ? readdirSync(nsDir()) : []).flatMap((f) => {
  const p = join(nsDir(), f);
  return lstatSync(p).isSymbolicLink() ? [readlinkSync(p)] : [];
}));
/** The pool's ready entries (their files, named after their endpoint ids). */
const poolFiles = () => {
  const taken = takenFiles();
  return (existsSync(poolDir()) ? readdirSync(poolDir()) : []).filter((f) => !taken.has(join(poolDir(), f)));
};
const poolMounts = () => {
  const taken = takenFiles();
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(`${poolDir()}/`) && ![...taken].some((t) => l.includes(t)));
};
/** The pool's veths: host ends named after a pool file's endpoint id. */
const pooledVeths = () => poolFiles().map((f) => hostVethName(f));
/** The pool is full and idle: `n` files, each with its veth, on no bridge yet. */
const poolReady = (n = 2) => poolFiles().length === n && pooledVeths().every((v) => linkExists(v) && !bridges.some((b) => portsOf(b).includes(v)));


async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  for (let t = 0; t < ms; t += 20) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** What the container sees of its eth0 and routes, without what differs by design (addresses, names, counters). */
function linkShape(netnsPath: string): unknown {
  const link = (JSON.parse(inNs(netnsPath, ["ip", "-d", "-j", "link", "show", "dev", "eth0"]).out) as Record<string, unknown>[])[0]!;
  const addrs = (JSON.parse(inNs(netnsPath, ["ip", "-j", "addr", "show", "dev", "eth0"]).out) as { addr_info: Record<string, unknown>[] }[])[0]!.addr_info
    .filter((a) => a.family === "inet").map((a) => ({ prefixlen: a.prefixlen, scope: a.scope, broadcast: a.broadcast !== undefined }));
  const routes = (JSON.parse(inNs(netnsPath, ["ip", "-j", "-d", "route", "show", "table", "main"]).out) as Record<string, unknown>[])
    .map((r) => ({ ...r, dst: r.dst === "default" ? "default" : "subnet", gateway: r.gateway ? "gw" : undefined, prefsrc: r.prefsrc ? "src" : undefined }));
  const keep = ["flags", "mtu", "operstate", "qdisc", "link_type", "gso_max_size", "gso_max_segs", "gso_ipv4_max_size", "gro_max_size", "gro_ipv4_max_size", "num_tx_queues", "num_rx_queues"];
  return { link: Object.fromEntries(keep.map((k) => [k, link[k]])), addrs, routes };
}

const fetchLocal = (port: number, want: string) => fetchText("127.0.0.1", port, want, 40);
const containerInfo = (n: number, endpoints: Record<string, EndpointSettings>, more: Partial<ContainerNetInfo> = {}) => testContainer(`berth-test-${rand}`, n, endpoints, more);

async function openService(): Promise<NetworkService> {
  const s = await NetworkService.open(options);
  services.push(s);
  return s;
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), `berth-test-netpool-${rand}-`));
  db = openTestDatabase(join(dir, "berth.db"));
  helper = new NetHelper({ binary: helperBin });
  dns = new DnsServer({ upstreams: () => [] });
  options = {
    db, ops: helper, execRoot: execRoot(), tableName: table, defaultBridge: { name: bridges[0]!, cidr: `${nets[0]}.1/24` },
    addressPools: [], userlandProxy: true, icc: true, dns, proxyBinary: proxyBin, netnsPool: 2,
    log: (l, m) => { if (l === "error") console.error(`netpool ${l}: ${m}`); },
  };
});

after(async () => {
  if (skip) return;
  const attempt = async (fn: () => unknown) => {
    try { await fn(); } catch { /* next step */ }
  };
  const svc = services.at(-1);
  if (svc) {
    for (const c of started) await attempt(() => svc.tearDown(c.id));
    await attempt(() => svc.remove(netA));
  }
  for (const s of services) await attempt(() => s.close());
  await attempt(() => svc?.removeFirewall());
  await attempt(() => dns?.close());
  await attempt(() => helper?.close());
  await attempt(() => db?.close());
  removeTestNetworking({ bridges, tables: [table], nsDirs: [nsDir(), poolDir()] });
  rmSync(dir, { recursive: true, force: true });
});

test("containers started from the pool network exactly like ones started without; rm, close and a killed daemon leave nothing", { skip }, async () => {
  let svc = await openService();
  await svc.create({ Name: netA, IPAM: { Config: [{ Subnet: `${nets[1]}.0/24` }] }, Options: { "com.docker.network.bridge.name": bridges[1]! } });
  assert.equal(poolFiles().length, 0, "no pool before restore");
  await svc.restore([]);
  // Two pooled namespaces, each holding eth0 (down) whose host end is on no bridge yet.
  await until(() => poolReady(), "the pool");
  for (const f of poolFiles()) {
    const inside = JSON.parse(inNs(join(poolDir(), f), ["ip", "-j", "link", "show"]).out) as { ifname: string; flags: string[] }[];
    assert.deepEqual(inside.map((l) => [l.ifname, l.flags.includes("UP")]), [["lo", true], ["eth0", false]]);
  }
  assert.equal(poolMounts().length, 2);
  assert.deepEqual(portsOf(bridges[0]!), [], "an idle pool shows on no bridge");

  // From the pool: the default bridge, with a published port.
  const port = await freePort();
  const c1 = containerInfo(1, { bridge: {} }, { portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] }, exposedPorts: ["80/tcp"] });
  started.push(c1);
  const pooledIds = poolFiles();
  const s1 = await svc.setUp(c1);
  assert.equal(s1.netnsPath, join(nsDir(), c1.id), "the container's usual path");
  assert.equal(readlinkSync(s1.netnsPath), join(poolDir(), svc.view(c1.id, c1).networks.bridge!.EndpointID!), "linking to the pooled netns");
  const ep1 = svc.view(c1.id, c1).networks.bridge!;
  assert.ok(pooledIds.includes(ep1.EndpointID!), "a pooled namespace and veth");
  assert.deepEqual(portsOf(bridges[0]!), [hostVethName(ep1.EndpointID!)]);
  assert.equal(ep1.IPAddress, `${nets[0]}.2`);
  const mac1 = (JSON.parse(inNs(s1.netnsPath, ["ip", "-j", "link", "show", "dev", "eth0"]).out) as { address: string }[])[0]!.address;
  assert.equal(mac1, ep1.MacAddress);
  assert.ok(ping(s1.netnsPath, `${nets[0]}.1`), "the gateway answers");
  const server = spawn("nsenter", [`--net=${s1.netnsPath}`, "/bin/busybox", "sh", "-c", "echo pooled-hello | /bin/busybox nc -l -p 80"], { stdio: "ignore" });
  try {
    assert.match(await fetchLocal(port, "pooled-hello"), /pooled-hello/, "the published port reaches it");
  } finally {
    server.kill();
  }
  await until(() => poolReady(), "the pool refilled");

  // Not from the pool (a network the pool had no veth for): the reference to compare with.
  const c2 = containerInfo(2, { [netA]: { Aliases: ["db"] } });
  started.push(c2);
  const forBridge = poolFiles();
  const s2 = await svc.setUp(c2);
  assert.ok(!forBridge.includes(svc.view(c2.id, c2).networks[netA]!.EndpointID!), "made at start");
  const reference = linkShape(s2.netnsPath);
  // The pool follows: its entries are made again for netA, in idle time.
  await until(() => poolReady() && poolFiles().every((f) => !forBridge.includes(f)), "netA's veths in the pool");

  const c3 = containerInfo(3, { [netA]: { Aliases: ["web"] } });
  started.push(c3);
  const pooledA = poolFiles();
  const s3: NetworkSetup = await svc.setUp(c3);
  const ep3 = svc.view(c3.id, c3).networks[netA]!;
  assert.ok(pooledA.includes(ep3.EndpointID!), "c3 got a pooled veth");
  assert.ok(portsOf(bridges[1]!).includes(hostVethName(ep3.EndpointID!)));
  assert.deepEqual(linkShape(s3.netnsPath), reference, "the same link, addresses and routes as without the pool");
  assert.ok(ping(s3.netnsPath, `${nets[1]}.1`), "c3 reaches its gateway");
  assert.ok(ping(s3.netnsPath, svc.view(c2.id, c2).networks[netA]!.IPAddress!), "c3 -> c2");
  assert.ok(ping(s2.netnsPath, ep3.IPAddress!), "c2 -> c3");
  const answer = await inNsAsync(s2.netnsPath, ["/bin/busybox", "nslookup", "web", `${nets[1]}.1`]);
  assert.match(answer, new RegExp(ep3.IPAddress!.replace(/\./g, "\\.")), `DNS name of the pooled container: ${answer}`);

  for (const c of [c1, c2, c3]) await svc.tearDown(c.id);
  started.length = 0;
  for (const s of [s1, s2, s3]) assert.ok(!existsSync(s.netnsPath) && !lstatSync(s.netnsPath, { throwIfNoEntry: false }), `${s.netnsPath} deleted`);
  assert.equal(readdirSync(poolDir()).length, poolFiles().length, "the taken pooled files went with their containers");

  // rm is not refused for the pool's veths of the network; they go with it.
  await until(() => poolReady(), "the pool refilled");
  const onA = pooledVeths();
  await svc.remove(netA);
  assert.ok(!linkExists(bridges[1]!));
  for (const v of onA) await until(() => !linkExists(v), `${v} gone with the network`);

  // Daemon stop: the pool is gone; the default bridge stays (live restore).
  await until(() => poolReady(), "the default bridge's veths back in the pool");
  let last = pooledVeths();
  await svc.close();
  services.pop();
  assert.deepEqual(poolFiles(), []);
  assert.deepEqual(poolMounts(), []);
  for (const v of last) assert.ok(!linkExists(v), `${v} deleted at close`);

  // What a killed daemon's pool leaves (pooled namespaces holding veths) is swept by the next
  // daemon's restore, which then makes its own pool.
  const left = [randomBytes(32).toString("hex"), randomBytes(32).toString("hex")];
  for (const id of left) {
    await helper.netnsCreate(join(poolDir(), id));
    await helper.request("veth_prepare", hostVethName(id), [hostVethName(id), join(poolDir(), id), "eth0", 1500, ""]);
    assert.ok(linkExists(hostVethName(id)));
  }
  svc = await openService();
  await svc.restore([]);
  for (const id of left) {
    assert.ok(!existsSync(join(poolDir(), id)), `${id} swept`);
    await until(() => !linkExists(hostVethName(id)), `${hostVethName(id)} swept`);
  }
  await until(() => poolFiles().length === 2, "the new pool");

  // And that one's stop leaves nothing either.
  last = pooledVeths();
  await svc.close();
  services.pop();
  assert.deepEqual(poolFiles(), []);
  assert.deepEqual(poolMounts(), []);
  for (const v of last) assert.ok(!linkExists(v), `${v} deleted at close`);
  assert.deepEqual(portsOf(bridges[0]!), [], "no port left on the default bridge");
  assert.ok(linkExists(bridges[0]!));
  // Its refills are over: nothing comes back.
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(poolFiles(), []);
});
