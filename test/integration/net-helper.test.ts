// berth-netlink through NetHelper against the real kernel: a bridge, netns files, veths with
// their peer made inside the netns, real traffic (and bridge port isolation), errors that leave
// nothing behind, nft through libnftables, sysctl. Root only; everything is named with a random
// suffix and removed in after() even when a test failed.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { EngineError } from "../../src/errors/EngineError.js";
import { NetHelper, defaultNetHelperPath } from "../../src/sys/netHelper.js";
import type { VethRequest } from "../../src/network/NetOps.js";

const binary = defaultNetHelperPath();
const skip =
  process.getuid?.() !== 0 ? "needs root (netns, bridges, veths)"
  : !existsSync(binary) ? `no berth-netlink at ${binary} (make -C native build/berth-netlink)`
  : spawnSync("nsenter", ["--version"]).status !== 0 ? "needs nsenter"
  : false;

const rand = randomBytes(3).toString("hex");
const bridge = `bt${rand}`;
// A random /24 in 10.200.0.0/13, as the shared test rules ask.
const net = `10.${200 + (randomBytes(1)[0]! % 8)}.${randomBytes(1)[0]!}`;
const gateway = `${net}.1`;
const table = `berth_test_${rand}`;
const veths = { a: `vb${rand}a`, b: `vb${rand}b`, c: `vb${rand}c`, x: `vb${rand}x`, y: `vb${rand}y` };
let dir = "";
let helper: NetHelper;
const ns = (name: string) => join(dir, name);

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
function inNs(file: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync("nsenter", [`--net=${file}`, ...args], { encoding: "utf8" });
  return { status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}
const ping = (file: string, to: string) => inNs(file, ["busybox", "ping", "-c1", "-W1", to]).status === 0;
const linkExists = (name: string) => spawnSync("ip", ["link", "show", "dev", name], { stdio: "ignore" }).status === 0;
/** link_delete answers once the deletion has started (the kernel's part runs in the background). */
async function waitGone(name: string): Promise<void> {
  for (let i = 0; i < 300 && linkExists(name); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(linkExists(name), false, `${name} still exists`);
}
const mounted = (path: string) => readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => l.split(" ")[4] === path);

interface IpLink { ifname: string; flags: string[]; mtu: number; address: string; master?: string; linkinfo?: { info_kind?: string; info_slave_data?: { isolated?: boolean } }; addr_info?: { family: string; local: string; prefixlen: number }[] }
const ipJson = (args: string[], file?: string): IpLink[] => JSON.parse(file ? inNs(file, ["ip", "-j", ...args]).out : sh("ip", ["-j", ...args])) as IpLink[];

function veth(host: string, file: string, host4: number, extra: Partial<VethRequest> = {}): VethRequest {
  return {
    hostName: host, netnsPath: file, ifName: "eth0", mac: `02:42:0a:c8:00:${host4.toString(16).padStart(2, "0")}`,
    mtu: 1450, bridge, cidr: `${net}.${host4}/24`, gateway, isolated: false, ...extra,
  };
}

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), `berth-test-net-${rand}-`));
  helper = new NetHelper({ binary });
});

after(() => {
  if (skip) return;
  helper.close();
  // Cleanup with the system tools, so a broken helper cannot leak what it made.
  for (const v of Object.values(veths)) spawnSync("ip", ["link", "del", v], { stdio: "ignore" });
  spawnSync("ip", ["link", "del", bridge], { stdio: "ignore" });
  spawnSync("nft", ["delete", "table", "inet", table], { stdio: "ignore" });
  for (const n of ["a", "b", "c", "d"]) for (let i = 0; i < 4 && mounted(ns(n)); i++) spawnSync("umount", ["-l", ns(n)]);
  rmSync(dir, { recursive: true, force: true });
});

test("bridge_ensure makes an up bridge with the gateway address, and is idempotent", { skip }, async () => {
  await helper.bridgeEnsure(bridge, `${gateway}/24`, 1450);
  await helper.bridgeEnsure(bridge, `${gateway}/24`, 1450);
  const [br] = ipJson(["-d", "addr", "show", "dev", bridge]);
  assert.equal(br!.linkinfo?.info_kind, "bridge");
  assert.ok(br!.flags.includes("UP"), br!.flags.join(","));
  assert.equal(br!.mtu, 1450);
  assert.deepEqual(br!.addr_info!.filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`), [`${gateway}/24`]);
});

test("netns_create makes a mounted netns file with lo up", { skip }, async () => {
  for (const n of ["a", "b", "c"]) await helper.netnsCreate(ns(n));
  assert.ok(mounted(ns("a")));
  const links = ipJson(["link"], ns("a"));
  assert.deepEqual(links.map((l) => l.ifname), ["lo"]);
  assert.ok(links[0]!.flags.includes("UP"));
  assert.ok(inNs(ns("a"), ["busybox", "ping", "-c1", "-W1", "127.0.0.1"]).status === 0);
  // A live namespace is not replaced.
  await assert.rejects(helper.netnsCreate(ns("a")), (e: EngineError) => e.kind === "Conflict");
});

test("veth_add wires containers to the bridge: addresses, routes, mac, isolation", { skip }, async () => {
  await helper.vethAdd(veth(veths.a, ns("a"), 2, { isolated: true }));
  await helper.vethAdd(veth(veths.b, ns("b"), 3, { isolated: true }));
  await helper.vethAdd(veth(veths.c, ns("c"), 4, { isolated: false }));

  const inside = ipJson(["addr"], ns("a"));
  assert.deepEqual(inside.map((l) => l.ifname).sort(), ["eth0", "lo"]);
  const eth0 = inside.find((l) => l.ifname === "eth0")!;
  assert.equal(eth0.address, "02:42:0a:c8:00:02");
  assert.equal(eth0.mtu, 1450);
  assert.ok(eth0.flags.includes("UP"));
  assert.deepEqual(eth0.addr_info!.filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`), [`${net}.2/24`]);
  assert.ok(inside.find((l) => l.ifname === "lo")!.flags.includes("UP"));
  const routes = JSON.parse(inNs(ns("a"), ["ip", "-j", "route"]).out) as { dst: string; gateway?: string; dev: string }[];
  assert.ok(routes.some((r) => r.dst === "default" && r.gateway === gateway && r.dev === "eth0"), JSON.stringify(routes));

  const [hostA] = ipJson(["-d", "link", "show", "dev", veths.a]);
  assert.equal(hostA!.master, bridge);
  assert.ok(hostA!.flags.includes("UP"));
  assert.equal(hostA!.linkinfo?.info_slave_data?.isolated, true);
  assert.equal(ipJson(["-d", "link", "show", "dev", veths.c])[0]!.linkinfo?.info_slave_data?.isolated, false);

  // Everyone reaches the gateway; isolated ports reach a non-isolated one but not each other.
  assert.ok(ping(ns("a"), gateway), "a -> gateway");
  assert.ok(ping(ns("b"), gateway), "b -> gateway");
  assert.ok(ping(ns("a"), `${net}.4`), "a -> c (c not isolated)");
  assert.equal(ping(ns("a"), `${net}.3`), false, "a -> b must fail: both isolated");
});

test("bad requests give mapped errors and leave no link behind", { skip }, async () => {
  await assert.rejects(helper.vethAdd(veth(veths.x, ns("b"), 9, { bridge: `bz${rand}`, ifName: "eth1" })), (e: EngineError) =>
    e.kind === "NotFound" && e.detail.errno === "ENODEV" && e.message.startsWith(`netlink helper: veth_add ${veths.x}: bridge bz${rand}`));
  await assert.rejects(helper.vethAdd(veth(veths.x, ns("b"), 9, { cidr: `${net}.9/33`, ifName: "eth1" })), (e: EngineError) =>
    e.kind === "InvalidArgument" && e.message.includes(`invalid address ${net}.9/33`));
  await assert.rejects(helper.bridgeEnsure(`bz${rand}`, "10.200.0.1", 0), (e: EngineError) => e.kind === "InvalidArgument");
  assert.equal(linkExists(`bz${rand}`), false);
  // The host name is taken: nothing is created, the existing pair is untouched.
  await assert.rejects(helper.vethAdd(veth(veths.b, ns("a"), 9, { ifName: "eth1" })), (e: EngineError) => e.kind === "Conflict" && e.detail.errno === "EEXIST");
  assert.deepEqual(ipJson(["link"], ns("a")).map((l) => l.ifname).sort(), ["eth0", "lo"]);
  assert.ok(ping(ns("b"), gateway));
  // The name inside is taken (eth0 in b).
  await assert.rejects(helper.vethAdd(veth(veths.x, ns("b"), 9)), (e: EngineError) => e.kind === "Conflict");
  assert.equal(linkExists(veths.x), false);
  // Fails after the pair exists (no route to a gateway outside the subnet): the pair is removed.
  await assert.rejects(helper.vethAdd(veth(veths.y, ns("b"), 9, { ifName: "eth1", gateway: "192.0.2.1" })), (e: EngineError) =>
    e.message.includes("default route via 192.0.2.1"));
  assert.equal(linkExists(veths.y), false);
  assert.deepEqual(ipJson(["link"], ns("b")).map((l) => l.ifname).sort(), ["eth0", "lo"]);
});

test("link_delete removes both ends, is idempotent, and the names are free for the next request", { skip }, async () => {
  await helper.linkDelete(veths.a);
  // Same host name and same eth0 in the same netns right away: the helper waits for the deletion.
  await helper.vethAdd(veth(veths.a, ns("a"), 2));
  assert.ok(linkExists(veths.a));
  assert.ok(ping(ns("a"), gateway));
  await helper.linkDelete(veths.a);
  await waitGone(veths.a);
  assert.deepEqual(ipJson(["link"], ns("a")).map((l) => l.ifname), ["lo"]);
  await helper.linkDelete(veths.a);
});

test("netns_delete unmounts and removes the file, and is idempotent", { skip }, async () => {
  await helper.netnsDelete(ns("a"));
  assert.equal(mounted(ns("a")), false);
  assert.equal(existsSync(ns("a")), false);
  await helper.netnsDelete(ns("a"));
  await assert.rejects(helper.vethAdd(veth(veths.x, ns("a"), 9)), (e: EngineError) => e.kind === "NotFound" && e.message.includes("open netns"));
  assert.equal(linkExists(veths.x), false);
});

test("nft runs scripts through libnftables; errors come back as text", { skip }, async () => {
  await helper.nft(`add table inet ${table}\nadd chain inet ${table} ch { type filter hook forward priority 0; policy accept; }\n`);
  assert.match(sh("nft", ["list", "tables"]), new RegExp(`^table inet ${table}$`, "m"));
  assert.match(await helper.nftOutput(`list chain inet ${table} ch`), /type filter hook forward priority filter; policy accept;/);
  await assert.rejects(helper.nft(`add chain inet ${table} bad { type filter hook nowhere priority 0; }`), (e: EngineError) =>
    e.kind === "InvalidArgument" && e.message.startsWith("netlink helper: nft: Error:"));
  await helper.nft(`delete table inet ${table}`);
  assert.doesNotMatch(sh("nft", ["list", "tables"]), new RegExp(`table inet ${table}$`, "m"));
  await assert.rejects(helper.nft(`delete table inet ${table}`), (e: EngineError) => e.kind === "NotFound");
});

test("sysctl writes /proc/sys in the host's netns", { skip }, async () => {
  const key = `net/ipv6/conf/${bridge}/disable_ipv6`;
  await helper.sysctl(`net.ipv6.conf.${bridge}.disable_ipv6`, "1");
  assert.equal(readFileSync(`/proc/sys/${key}`, "utf8").trim(), "1");
  await assert.rejects(helper.sysctl(`net.ipv4.nope_${rand}`, "1"), (e: EngineError) => e.kind === "NotFound");
  await assert.rejects(helper.sysctl("net..x", "1"), (e: EngineError) => e.kind === "InvalidArgument");
});

test("bridge_delete removes the bridge and is idempotent; everything made is gone", { skip }, async () => {
  for (const v of [veths.b, veths.c]) await helper.linkDelete(v);
  for (const n of ["b", "c"]) await helper.netnsDelete(ns(n));
  await helper.bridgeDelete(bridge);
  await helper.bridgeDelete(bridge);
  assert.equal(linkExists(bridge), false);
  for (const v of Object.values(veths)) await waitGone(v);
  assert.equal(readFileSync("/proc/self/mountinfo", "utf8").includes(dir), false);
});
