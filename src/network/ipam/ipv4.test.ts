import { test } from "node:test";
import { strict as assert } from "node:assert";
import {
  contains, containsSubnet, formatIPv4, formatSubnet, lastOf, macForIPv4, maskOf, overlaps, parseCidr, parseIPv4, parseMac,
  parseSubnet, sizeOf, splitSubnet,
} from "./ipv4.js";

test("parseIPv4 accepts dotted quads only and formatIPv4 inverts it", () => {
  for (const ok of ["0.0.0.0", "255.255.255.255", "172.17.0.1", "10.0.0.255"]) {
    const n = parseIPv4(ok);
    assert.notEqual(n, undefined, ok);
    assert.equal(formatIPv4(n!), ok);
  }
  assert.equal(parseIPv4("255.255.255.255"), 0xffffffff);
  assert.equal(parseIPv4("1.2.3.4"), 0x01020304);
  for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-1", " 1.2.3.4", "a.b.c.d", "1..2.3", "::1"]) {
    assert.equal(parseIPv4(bad), undefined, bad);
  }
});

test("parseCidr keeps the address and canonicalises the subnet", () => {
  const c = parseCidr("10.1.2.3/24")!;
  assert.equal(formatIPv4(c.ip), "10.1.2.3");
  assert.equal(formatSubnet(c.subnet), "10.1.2.0/24");
  assert.equal(formatSubnet(parseSubnet("0.0.0.0/0")!), "0.0.0.0/0");
  assert.equal(formatSubnet(parseSubnet("8.8.8.8/32")!), "8.8.8.8/32");
  for (const bad of ["10.1.2.3", "10.1.2.3/33", "10.1.2.3/", "10.1.2.3/-1", "10.1.2.3/08", "x/24", "10.1.2.3/24/1"]) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
  assert.equal(maskOf(0), 0);
  assert.equal(maskOf(32), 0xffffffff);
  assert.equal(maskOf(16), 0xffff0000);
});

test("sizes, containment and overlap", () => {
  const a = parseSubnet("172.17.0.0/16")!;
  assert.equal(sizeOf(a), 65536);
  assert.equal(formatIPv4(lastOf(a)), "172.17.255.255");
  assert.ok(contains(a, parseIPv4("172.17.255.255")!));
  assert.ok(!contains(a, parseIPv4("172.18.0.0")!));
  assert.ok(!contains(a, parseIPv4("172.16.255.255")!));
  assert.ok(containsSubnet(a, parseSubnet("172.17.3.0/24")!));
  assert.ok(!containsSubnet(parseSubnet("172.17.3.0/24")!, a));
  assert.ok(overlaps(a, parseSubnet("172.0.0.0/8")!));
  assert.ok(overlaps(parseSubnet("172.0.0.0/8")!, a));
  assert.ok(overlaps(a, parseSubnet("172.17.9.0/24")!));
  assert.ok(!overlaps(a, parseSubnet("172.18.0.0/16")!));
  assert.ok(overlaps(parseSubnet("0.0.0.0/0")!, a));
  const top = parseSubnet("255.255.255.0/24")!;
  assert.equal(lastOf(top), 0xffffffff);
  assert.ok(contains(top, 0xffffffff));
});

test("splitSubnet yields consecutive pieces", () => {
  const parts = [...splitSubnet(parseSubnet("192.168.0.0/16")!, 20)].map(formatSubnet);
  assert.equal(parts.length, 16);
  assert.equal(parts[0], "192.168.0.0/20");
  assert.equal(parts[1], "192.168.16.0/20");
  assert.equal(parts[15], "192.168.240.0/20");
  assert.deepEqual([...splitSubnet(parseSubnet("10.0.0.0/24")!, 16)].map(formatSubnet), ["10.0.0.0/24"]);
});

test("MAC addresses: Docker's derivation and validation", () => {
  assert.equal(macForIPv4(parseIPv4("172.17.0.2")!), "02:42:ac:11:00:02");
  assert.equal(parseMac("02:42:AC:11:00:02"), "02:42:ac:11:00:02");
  for (const bad of ["", "02:42:ac:11:00", "02-42-ac-11-00-02", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "02:42:ac:11:00:0g"]) {
    assert.equal(parseMac(bad), undefined, bad);
  }
});
