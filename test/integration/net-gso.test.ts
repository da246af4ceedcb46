// berth-netlink veth_add with a route mtu (jumbo links inside the host, docs/networking.md "MTU"
// and "GSO"): the container end caps GSO segments so TCP packets that follow the default route
// (MSS 1460) stay within 64 KiB when they reach an outside device at the kernel's default limit
// (else the kernel would cut every one into 1500-byte packets in software), while TCP between
// two containers on the bridge sends packets larger than 64 KiB (IPv4 BIG TCP, kernel 6.3+).
// Root only; the "outside host" is a netns of the test's own behind a 1500-MTU veth; everything
// is named with a random suffix and removed in after() even when a test failed.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { NetHelper, defaultNetHelperPath } from "../../src/sys/netHelper.js";
import type { VethRequest } from "../../src/network/NetOps.js";

const binary = defaultNetHelperPath();
const forwarding = existsSync("/proc/sys/net/ipv4/ip_forward") && readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim() === "1";
const skip =
  process.getuid?.() !== 0 ? "needs root (netns, bridges, veths)"
  : !existsSync(binary) ? `no berth-netlink at ${binary} (make -C native build/berth-netlink)`
  : spawnSync("nsenter", ["--version"]).status !== 0 ? "needs nsenter"
  : false;
const [major = 0, minor = 0] = release().split(".").map(Number);
const bigTcp = major > 6 || (major === 6 && minor >= 3);

const rand = randomBytes(3).toString("hex");
const bridge = `bg${rand}`;
const byte = () => randomBytes(1)[0]!;
// Random /24s in 10.200.0.0/13, as the shared test rules ask: the bridge's, and the outside link's.
const net = `10.${200 + (byte() % 8)}.${byte()}`;
let outNet = `10.${200 + (byte() % 8)}.${byte()}`;
while (outNet === net) outNet = `10.${200 + (byte() % 8)}.${byte()}`;
const gateway = `${net}.1`;
const veths = { a: `vg${rand}a`, b: `vg${rand}b`, c: `vg${rand}c` };
const outLink = `vo${rand}`;
const outside = `berth-test-gso-${rand}`;
let dir = "";
let helper: NetHelper;
const ns = (name: string) => join(dir, name);
const mounted = (path: string) => readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => l.split(" ")[4] === path);

function veth(host: string, file: string, host4: number, routeMtu: number): VethRequest {
  return { hostName: host, netnsPath: file, ifName: "eth0", mac: "", mtu: 65520, bridge, cidr: `${net}.${host4}/24`, gateway, isolated: false, routeMtu };
}

interface IpLinkDetail { gso_max_segs?: number; mtu: number }
function linkDetail(name: string, file?: string): IpLinkDetail {
  const args = ["ip", "-d", "-j", "link", "show", "dev", name];
  const out = file ? execFileSync("nsenter", [`--net=${file}`, ...args], { encoding: "utf8" }) : execFileSync(args[0]!, args.slice(1), { encoding: "utf8" });
  return (JSON.parse(out) as IpLinkDetail[])[0]!;
}

function counters(link: string, dirn: "rx" | "tx"): { packets: number; bytes: number } {
  const read = (what: string) => Number(readFileSync(`/sys/class/net/${link}/statistics/${dirn}_${what}`, "utf8"));
  return { packets: read("packets"), bytes: read("bytes") };
}

// Node as sender and sink (busybox nc writes in small pieces, so its packets say nothing about
// the links): 1 MiB writes let TCP fill its packets up to the limits under test.
const SINK = `const s = require("net").createServer((c) => { c.resume(); c.on("end", () => { c.end(); s.close(); }); }).listen(+process.argv[1], process.argv[2], () => console.log("listening"));`;
const SEND = `const c = require("net").connect(+process.argv[1], process.argv[2], () => { const b = Buffer.alloc(1 << 20); let n = 64; const w = () => { while (n > 0) { n--; if (!c.write(b)) return void c.once("drain", w); } c.end(); }; w(); }); c.resume(); c.on("error", (e) => { console.error(e.message); process.exit(1); });`;

/**
 * 64 MiB over one TCP connection from `clientNs` to `serverIp` in `serverNs`; returns the mean
 * packet size `link` counted in direction `dirn` meanwhile. veths count a GSO packet once, so
 * this is the size TCP's packets had on that link.
 */
async function meanPacket(serverNs: string, clientNs: string, serverIp: string, link: string, dirn: "rx" | "tx"): Promise<number> {
  const port = String(20000 + (randomBytes(2).readUInt16BE() % 20000));
  const server = spawn("nsenter", [`--net=${serverNs}`, process.execPath, "-e", SINK, port, serverIp], { stdio: ["ignore", "pipe", "inherit"] });
  const done = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once("data", () => resolve());
      server.once("exit", (code) => reject(new Error(`sink exited with ${code}`)));
    });
    const before = counters(link, dirn);
    const r = spawnSync("nsenter", [`--net=${clientNs}`, process.execPath, "-e", SEND, port, serverIp], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `sender: ${r.stderr}`);
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
    const after = counters(link, dirn);
    const bytes = after.bytes - before.bytes;
    assert.ok(bytes >= 64 << 20, `${link} saw ${bytes} bytes, want the 64 MiB`);
    return bytes / (after.packets - before.packets);
  } finally {
    server.kill("SIGKILL");
    await done;
  }
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), `berth-test-gso-${rand}-`));
  helper = new NetHelper({ binary });
  await helper.bridgeEnsure(bridge, `${gateway}/24`, 65520);
  for (const n of ["a", "b", "c"]) await helper.netnsCreate(ns(n));
  await helper.vethAdd(veth(veths.a, ns("a"), 2, 1500));
  await helper.vethAdd(veth(veths.b, ns("b"), 3, 1500));
  await helper.vethAdd(veth(veths.c, ns("c"), 4, 0));
});

after(() => {
  if (skip) return;
  helper.close();
  // Cleanup with the system tools, so a broken helper cannot leak what it made.
  for (const v of [...Object.values(veths), outLink]) spawnSync("ip", ["link", "del", v], { stdio: "ignore" });
  spawnSync("ip", ["link", "del", bridge], { stdio: "ignore" });
  spawnSync("ip", ["netns", "del", outside], { stdio: "ignore" });
  for (const n of ["a", "b", "c"]) for (let i = 0; i < 4 && mounted(ns(n)); i++) spawnSync("umount", ["-l", ns(n)]);
  rmSync(dir, { recursive: true, force: true });
});

test("veth_add with a route mtu caps the container end's GSO segments at (65536-400)/(mtu-40); without one the kernel's default stays", { skip }, () => {
  assert.equal(linkDetail("eth0", ns("a")).gso_max_segs, 44);
  assert.equal(linkDetail("eth0", ns("a")).mtu, 65520);
  assert.equal(linkDetail(veths.a).gso_max_segs, 65535, "host end: packets into the container are not capped");
  assert.equal(linkDetail("eth0", ns("c")).gso_max_segs, 65535, "no route mtu: kernel default");
});

test("TCP between two containers on the bridge moves packets larger than 64 KiB (BIG TCP)", { skip: skip || (!bigTcp && "IPv4 BIG TCP needs kernel 6.3+") }, async () => {
  const mean = await meanPacket(ns("b"), ns("a"), `${net}.3`, veths.a, "rx");
  assert.ok(mean > 65536, `mean packet from a on the bridge: ${mean.toFixed(0)} bytes, want > 65536`);
});

test("TCP from a container to another host keeps GSO packets within 64 KiB (no software segmentation into 1500-byte packets)", { skip: skip || (!forwarding && "host has net.ipv4.ip_forward=0 (not changed by tests)") }, async () => {
  // The outside host: its own netns behind a 1500-MTU veth, routing the bridge's subnet back via the host.
  execFileSync("ip", ["netns", "add", outside]);
  execFileSync("ip", ["link", "add", outLink, "mtu", "1500", "type", "veth", "peer", "name", "eth0", "mtu", "1500", "netns", outside]);
  execFileSync("ip", ["addr", "add", `${outNet}.1/24`, "dev", outLink]);
  execFileSync("ip", ["link", "set", outLink, "up"]);
  for (const args of [["link", "set", "lo", "up"], ["addr", "add", `${outNet}.2/24`, "dev", "eth0"], ["link", "set", "eth0", "up"], ["route", "add", `${net}.0/24`, "via", `${outNet}.1`]]) {
    execFileSync("ip", ["-n", outside, ...args]);
  }
  const mean = await meanPacket(`/run/netns/${outside}`, ns("a"), `${outNet}.2`, outLink, "tx");
  assert.ok(mean <= 65536, `mean packet to the outside link: ${mean.toFixed(0)} bytes, want ≤ 65536`);
  assert.ok(mean > 4 * 1500, `mean packet to the outside link: ${mean.toFixed(0)} bytes: GSO packets were cut in software`);
});
