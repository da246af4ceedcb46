import { test } from "node:test";
import { strict as assert } from "node:assert";
import { assignable, nextAddress, reservedOf } from "./allocate.js";
import { parseProcNetRoute } from "./hostRoutes.js";
import { formatIPv4, formatSubnet, parseIPv4, parseSubnet } from "./ipv4.js";
import { DEFAULT_ADDRESS_POOLS, nextFreeSubnet, parsePools } from "./pools.js";

const ip = (s: string) => parseIPv4(s)!;
const net = (s: string) => parseSubnet(s)!;

test("dynamic allocation skips network, broadcast, gateway and auxiliary addresses", () => {
  const space = { subnet: net("10.0.0.0/29"), reserved: reservedOf("10.0.0.1", { x: "10.0.0.3" }) };
  const used = new Set<number>();
  const got: string[] = [];
  let last: number | undefined;
  for (;;) {
    const a = nextAddress(space, used, last);
    if (a === undefined) break;
    used.add(a);
    last = a;
    got.push(formatIPv4(a));
  }
  assert.deepEqual(got, ["10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
  assert.ok(!assignable(space, ip("10.0.0.0")));
  assert.ok(!assignable(space, ip("10.0.0.7")));
  assert.ok(!assignable(space, ip("10.0.0.1")));
  assert.ok(!assignable(space, ip("10.0.0.8")));
  assert.ok(assignable(space, ip("10.0.0.6")));
});

test("allocation continues after the last address and wraps around (no immediate reuse)", () => {
  const space = { subnet: net("10.0.0.0/29"), reserved: reservedOf("10.0.0.1", {}) };
  const used = new Set([ip("10.0.0.2"), ip("10.0.0.3")]);
  // .3 was the last given out; .2 freed: the next is .4, not .2.
  used.delete(ip("10.0.0.2"));
  assert.equal(formatIPv4(nextAddress(space, used, ip("10.0.0.3"))!), "10.0.0.4");
  // At the end it wraps to the start.
  const full = new Set([ip("10.0.0.3"), ip("10.0.0.4"), ip("10.0.0.5")]);
  assert.equal(formatIPv4(nextAddress(space, full, ip("10.0.0.6"))!), "10.0.0.2");
  assert.equal(formatIPv4(nextAddress(space, full, ip("10.0.0.5"))!), "10.0.0.6");
});

test("ip-range restricts dynamic allocation only", () => {
  const space = { subnet: net("10.0.0.0/24"), range: net("10.0.0.128/30"), reserved: reservedOf("10.0.0.1", {}) };
  const used = new Set<number>();
  const a = nextAddress(space, used, undefined)!;
  assert.equal(formatIPv4(a), "10.0.0.128");
  used.add(a).add(ip("10.0.0.129")).add(ip("10.0.0.130")).add(ip("10.0.0.131"));
  assert.equal(nextAddress(space, used, a), undefined);
  assert.ok(assignable(space, ip("10.0.0.20")), "a static address outside the range is fine");
  // The range's own first address is not the subnet's network address: usable.
  assert.ok(assignable(space, ip("10.0.0.128")));
});

test("host routes: little-endian hex, default route ignored", () => {
  const text = [
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
    "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
    "eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
    "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0",
  ].join("\n");
  const routes = parseProcNetRoute(text);
  assert.deepEqual(routes.map((r) => `${r.iface} ${formatSubnet(r.subnet)}`), ["eth0 192.168.2.0/24", "docker0 172.17.0.0/16"]);
});

test("next free subnet skips taken ones and splits 192.168/16 into /20s", () => {
  const all172 = Array.from({ length: 15 }, (_, i) => net(`172.${17 + i}.0.0/16`));
  assert.equal(formatSubnet(nextFreeSubnet(DEFAULT_ADDRESS_POOLS, [])!), "172.17.0.0/16");
  assert.equal(formatSubnet(nextFreeSubnet(DEFAULT_ADDRESS_POOLS, [net("172.17.5.0/24")])!), "172.18.0.0/16");
  assert.equal(formatSubnet(nextFreeSubnet(DEFAULT_ADDRESS_POOLS, all172)!), "192.168.0.0/20");
  assert.equal(formatSubnet(nextFreeSubnet(DEFAULT_ADDRESS_POOLS, [...all172, net("192.168.1.0/24")])!), "192.168.16.0/20");
  assert.equal(nextFreeSubnet([{ base: "10.9.0.0/24", size: 25 }], [net("10.9.0.0/25"), net("10.9.0.128/26")]), undefined);
  assert.throws(() => parsePools([{ base: "10.0.0.0/33", size: 24 }]));
  assert.throws(() => parsePools([{ base: "10.0.0.0/16", size: 8 }]));
});
