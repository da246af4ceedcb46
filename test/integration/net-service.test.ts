// NetworkService against the real kernel through berth-netlink (NetHelper), with the real DNS
// server and port proxy: a default bridge and two user networks with random names and subnets,
// "containers" that are just netns files set up by the service (no process needed), traffic
// proved with ping / nslookup / nc from inside them, isolation between networks, and a full
// teardown that leaves no link, netns file, mount, bridge or nft table. Root only.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDatabase } from "../../src/image/metadata/testDatabase.js";
import { NetHelper, defaultNetHelperPath } from "../../src/sys/netHelper.js";
import { fetchText, freePort, inNs, inNsAsync, linkExists, netTestSkip, ping, pingOnce, portsOf, removeTestNetworking, testContainer } from "./net-testenv.js";
import { DnsServer } from "../../src/network/dns/DnsServer.js";
import { defaultProxyPath } from "../../src/network/ports/proxyProcess.js";
import { NetworkService } from "../../src/network/NetworkService.js";
import type { ContainerNetInfo } from "../../src/network/types.js";
import type { EndpointSettings } from "../../src/api/types/network.js";

const helperBin = defaultNetHelperPath();
const proxyBin = defaultProxyPath();
const skip = netTestSkip({ proxy: true });

const rand = randomBytes(3).toString("hex");
const table = `berth_test_${rand}`;
const bridges = [`bt${rand}0`, `bt${rand}1`, `bt${rand}2`, `bt${rand}3`, `bt${rand}4`];
// Three distinct random /24s in 10.200.0.0/13.
const second = randomBytes(1)[0]! % 8;
const third = randomBytes(1)[0]! % 251;
const nets = [0, 1, 2, 3, 4].map((i) => `10.${200 + second}.${third + i}`);
const names = { a: `berth-test-${rand}-a`, b: `berth-test-${rand}-b`, noicc: `berth-test-${rand}-noicc` };

let dir = "";
let helper: NetHelper;
let dns: DnsServer;
let svc: NetworkService;
let db: ReturnType<typeof openTestDatabase>;
const started: ContainerNetInfo[] = [];

async function waitGone(name: string): Promise<boolean> {
  for (let i = 0; i < 300 && linkExists(name); i++) await new Promise((r) => setTimeout(r, 10));
  return !linkExists(name);
}
const mounts = () => readFileSync("/proc/self/mountinfo", "utf8");
const tableExists = () => spawnSync("nft", ["list", "table", "inet", table], { stdio: "ignore" }).status === 0;

/** A one-shot TCP server on port 80 inside a netns (busybox nc). */
function serveOnce(netnsPath: string, text: string) {
  return spawn("nsenter", [`--net=${netnsPath}`, "/bin/busybox", "sh", "-c", `echo ${text} | /bin/busybox nc -l -p 80`], { stdio: "ignore" });
}

const containerInfo = (n: number, endpoints: Record<string, EndpointSettings>, more: Partial<ContainerNetInfo> = {}) => testContainer(`berth-test-${rand}`, n, endpoints, more);

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), `berth-test-netsvc-${rand}-`));
  db = openTestDatabase(join(dir, "berth.db"));
  helper = new NetHelper({ binary: helperBin });
  dns = new DnsServer({ upstreams: () => [] });
  svc = await NetworkService.open({
    db, ops: helper, execRoot: join(dir, "exec"), tableName: table, defaultBridge: { name: bridges[0]!, cidr: `${nets[0]}.1/24` },
    addressPools: [], userlandProxy: true, icc: true, dns, proxyBinary: proxyBin, log: (l, m) => { if (l !== "debug") console.error(`netsvc ${l}: ${m}`); },
  });
});

after(async () => {
  if (skip) return;
  // The service's own cleanup first (if it opened), then the system tools for whatever a
  // failure left. Every step is guarded: one failure must not skip the rest (a helper left
  // running would keep this process alive).
  const attempt = async (fn: () => unknown) => {
    try { await fn(); } catch { /* next step */ }
  };
  if (svc) {
    for (const c of started) await attempt(() => svc.tearDown(c.id));
    for (const n of Object.values(names)) await attempt(() => svc.remove(n));
    await attempt(() => svc.close());
    await attempt(() => svc.removeFirewall());
  }
  await attempt(() => dns?.close());
  await attempt(() => helper?.close());
  await attempt(() => db?.close());
  removeTestNetworking({ bridges, tables: [table, `${table}_dnat`], nsDirs: ["exec", join("dnat", "exec")].map((sub) => join(dir, sub, "netns")) });
  rmSync(dir, { recursive: true, force: true });
});

test("networks, containers, traffic, isolation, DNS, a published port, and nothing left after teardown", { skip }, async () => {
  // The default bridge and berth's table exist after open.
  assert.ok(linkExists(bridges[0]!));
  assert.ok(tableExists());
  await svc.create({ Name: names.a, IPAM: { Config: [{ Subnet: `${nets[1]}.0/24` }] }, Options: { "com.docker.network.bridge.name": bridges[1]! } });
  await svc.create({ Name: names.b, IPAM: { Config: [{ Subnet: `${nets[2]}.0/24` }] }, Options: { "com.docker.network.bridge.name": bridges[2]! } });
  assert.ok(linkExists(bridges[1]!) && linkExists(bridges[2]!));

  const c1 = containerInfo(1, { [names.a]: { Aliases: ["db"] } });
  const c2 = containerInfo(2, { [names.a]: {} });
  const c3 = containerInfo(3, { [names.b]: {} });
  const c4 = containerInfo(4, { bridge: {} }, { portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] }, exposedPorts: ["80/tcp"] });
  const setups = [];
  for (const c of [c1, c2, c3, c4]) {
    started.push(c);
    setups.push(await svc.setUp(c));
  }
  const ip = (c: ContainerNetInfo) => Object.values(svc.view(c.id, c).networks)[0]!.IPAddress!;
  assert.equal(ip(c1), `${nets[1]}.2`);
  assert.equal(ip(c2), `${nets[1]}.3`);
  assert.equal(ip(c3), `${nets[2]}.2`);
  assert.equal(ip(c4), `${nets[0]}.2`);
  const [s1, s2, s3, s4] = setups as [typeof setups[0], typeof setups[0], typeof setups[0], typeof setups[0]];
  const eth0 = JSON.parse(inNs(s1.netnsPath, ["ip", "-j", "addr", "show", "dev", "eth0"]).out) as { addr_info: { local: string }[] }[];
  assert.ok(eth0[0]!.addr_info.some((a) => a.local === ip(c1)));
  assert.match(s1.resolvConf, new RegExp(`^nameserver ${nets[1]}\\.1$`, "m"));

  // Same network: traffic flows; to the gateway too.
  assert.ok(ping(s1.netnsPath, ip(c2)), "c1 -> c2 on the same network");
  assert.ok(ping(s2.netnsPath, ip(c1)), "c2 -> c1");
  assert.ok(ping(s3.netnsPath, `${nets[2]}.1`), "c3 reaches its gateway");
  // Different networks: dropped by berth's forward chain.
  assert.ok(!pingOnce(s1.netnsPath, ip(c3)), "c1 must not reach c3 on another network");
  assert.ok(!pingOnce(s3.netnsPath, ip(c1)), "c3 must not reach c1 on another network");
  assert.ok(!pingOnce(s4.netnsPath, ip(c2)), "the default bridge must not reach a user network");

  // DNS on the user network: container name and alias, answered by berthd's resolver.
  for (const name of [c1.name, "db"]) {
    const out = await inNsAsync(s2.netnsPath, ["/bin/busybox", "nslookup", name, `${nets[1]}.1`]);
    assert.ok(out.includes(ip(c1)), `nslookup ${name}: ${out}`);
  }

  // A published port: the proxy forwards 127.0.0.1:<port> to c4's port 80.
  const port = svc.view(c4.id, c4).ports["80/tcp"]![0]!;
  assert.equal(port.HostIp, "127.0.0.1");
  const server = serveOnce(s4.netnsPath, "hello-from-c4");
  try {
    assert.match(await fetchText("127.0.0.1", Number(port.HostPort), "hello-from-c4"), /hello-from-c4/);
  } finally {
    server.kill("SIGKILL");
  }

  // Teardown leaves no link, netns file or mount.
  const hostVeths = bridges.flatMap(portsOf);
  assert.equal(hostVeths.length, 4);
  for (const c of [c1, c2, c3, c4]) await svc.tearDown(c.id);
  for (const v of hostVeths) assert.ok(await waitGone(v), `${v} still exists`);
  for (const s of setups) {
    assert.ok(!existsSync(s.netnsPath), `${s.netnsPath} still exists`);
    assert.ok(!mounts().includes(s.netnsPath), `${s.netnsPath} still mounted`);
  }
  // Removing the networks removes their bridges.
  await svc.remove(names.a);
  await svc.remove(names.b);
  assert.ok(await waitGone(bridges[1]!));
  assert.ok(await waitGone(bridges[2]!));
  const script = spawnSync("nft", ["list", "table", "inet", table], { encoding: "utf8" }).stdout;
  assert.ok(!script.includes(bridges[1]!) && script.includes(bridges[0]!), "rules follow the networks");
});

test("a failing setUp leaves nothing in the kernel", { skip }, async () => {
  // The second network's bridge is deleted behind berth's back, so its veth_add fails after
  // the netns and the first endpoint exist: both must go again.
  const name = `berth-test-${rand}-gone`;
  await svc.create({ Name: name, IPAM: { Config: [{ Subnet: `${nets[2]}.0/24` }] }, Options: { "com.docker.network.bridge.name": bridges[2]! } });
  spawnSync("ip", ["link", "del", bridges[2]!], { stdio: "ignore" });
  assert.ok(await waitGone(bridges[2]!));
  const c = containerInfo(5, { bridge: {}, [name]: {} });
  started.push(c);
  await assert.rejects(svc.setUp(c));
  assert.equal(svc.netnsPath(c.id), undefined);
  assert.deepEqual(portsOf(bridges[0]!), [], "the first endpoint's veth was deleted again");
  assert.ok(!existsSync(join(dir, "exec", "netns", c.id)));
  assert.ok(!mounts().includes(c.id));

  // deferLinks: setUp answers with the netns and the addresses; the links fail in `ready`,
  // which undoes the same way (and a tear-down asked meanwhile waits for it).
  const d = containerInfo(8, { bridge: {}, [name]: {} });
  started.push(d);
  const early = await svc.setUp(d, { deferLinks: true });
  assert.ok(early.ready, "the links follow");
  assert.equal(early.hostsEntries.length, 2, "both addresses are known at once");
  const tornDown = svc.tearDown(d.id);
  await assert.rejects(early.ready!);
  await tornDown;
  assert.equal(svc.netnsPath(d.id), undefined);
  assert.deepEqual(portsOf(bridges[0]!), []);
  assert.ok(!existsSync(join(dir, "exec", "netns", d.id)));
  assert.ok(!mounts().includes(d.id));
  await svc.remove(name);

  // And one that works: traffic once `ready` resolves.
  const e = containerInfo(9, { bridge: {} });
  started.push(e);
  const ok = await svc.setUp(e, { deferLinks: true });
  await ok.ready;
  assert.ok(ping(ok.netnsPath, `${nets[0]}.1`), "the gateway answers once ready");
  await svc.tearDown(e.id);
  assert.deepEqual(portsOf(bridges[0]!), []);
});

test("enable_icc=false: containers of the network cannot reach each other, but reach the gateway", { skip }, async () => {
  await svc.create({ Name: names.noicc, IPAM: { Config: [{ Subnet: `${nets[3]}.0/24` }] }, Options: { "com.docker.network.bridge.name": bridges[3]!, "com.docker.network.bridge.enable_icc": "false" } });
  const a = containerInfo(6, { [names.noicc]: {} });
  const b = containerInfo(7, { [names.noicc]: {} });
  started.push(a, b);
  const sa = await svc.setUp(a);
  await svc.setUp(b);
  assert.ok(ping(sa.netnsPath, `${nets[3]}.1`), "gateway reachable");
  assert.ok(!pingOnce(sa.netnsPath, `${nets[3]}.3`), "icc=false: no traffic between containers");
  await svc.tearDown(a.id);
  await svc.tearDown(b.id);
  await svc.remove(names.noicc);
  assert.ok(await waitGone(bridges[3]!));
});

test("DNAT mode (--userland-proxy=false): 127.0.0.1 and all-address bindings reach the container through berth's rules", { skip }, async () => {
  const dnatDir = join(dir, "dnat");
  const dnatDb = openTestDatabase(":memory:");
  const dnat = await NetworkService.open({
    db: dnatDb, ops: helper, execRoot: join(dnatDir, "exec"), tableName: `${table}_dnat`, defaultBridge: { name: bridges[4]!, cidr: `${nets[4]}.1/24` },
    addressPools: [], userlandProxy: false, icc: true, dns: null, log: () => {},
  });
  const c = containerInfo(8, { bridge: {} }, { portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(await freePort()) }, { HostIp: "", HostPort: "" }] } });
  try {
    const s = await dnat.setUp(c);
    const [local, all] = dnat.view(c.id, c).ports["80/tcp"]!;
    assert.equal(local!.HostIp, "127.0.0.1");
    assert.equal(all!.HostIp, "0.0.0.0");
    assert.match(spawnSync("nft", ["list", "table", "inet", `${table}_dnat`], { encoding: "utf8" }).stdout, new RegExp(`dport ${local!.HostPort} dnat ip to ${nets[4]}\\.2:80`));
    for (const [host, port] of [["127.0.0.1", local!.HostPort], [`${nets[4]}.1`, all!.HostPort]] as const) {
      const server = serveOnce(s.netnsPath, `dnat-${port}`);
      try {
        assert.match(await fetchText(host, Number(port), `dnat-${port}`), new RegExp(`dnat-${port}`), `${host}:${port}`);
      } finally {
        server.kill("SIGKILL");
      }
    }
    await dnat.tearDown(c.id);
    assert.ok(!spawnSync("nft", ["list", "table", "inet", `${table}_dnat`], { encoding: "utf8" }).stdout.includes("dnat ip to"), "rules gone with the container");
  } finally {
    await dnat.tearDown(c.id).catch(() => {});
    await dnat.removeFirewall().catch(() => {});
    await helper.bridgeDelete(bridges[4]!).catch(() => {});
    dnatDb.close();
  }
  assert.ok(await waitGone(bridges[4]!));
});

test("close keeps the kernel state; removeFirewall deletes berth's table", { skip }, async () => {
  await svc.close();
  assert.ok(linkExists(bridges[0]!), "the default bridge stays for live restore");
  assert.ok(tableExists());
  await svc.removeFirewall();
  assert.ok(!tableExists());
  await helper.bridgeDelete(bridges[0]!);
  assert.ok(await waitGone(bridges[0]!));
});
