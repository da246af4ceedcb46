import { test } from "node:test";
import { strict as assert } from "node:assert";
import { nftDeleteScript, nftScript } from "./nftScript.js";

test("no networks: empty base chains, table recreated atomically", () => {
  assert.equal(nftScript({ table: "berth", networks: [], dnat: [] }), [
    "table inet berth",
    "delete table inet berth",
    "table inet berth {",
    "\tchain forward {",
    "\t\ttype filter hook forward priority filter; policy accept;",
    "\t}",
    "\tchain prerouting_raw {",
    "\t\ttype filter hook prerouting priority raw; policy accept;",
    "\t}",
    "\tchain postrouting {",
    "\t\ttype nat hook postrouting priority srcnat; policy accept;",
    "\t}",
    "}",
    "",
  ].join("\n"));
});

test("default bridge, a user network, an internal network with icc off", () => {
  const got = nftScript({
    table: "berth_test",
    networks: [
      { bridge: "berth0", subnet: "172.17.0.0/16", internal: false, icc: true, masquerade: true },
      { bridge: "br-0123456789ab", subnet: "172.18.0.0/16", internal: false, icc: true, masquerade: true },
      { bridge: "br-internal", subnet: "10.9.0.0/24", internal: true, icc: false, masquerade: true },
    ],
    dnat: [],
  });
  assert.equal(got, [
    "table inet berth_test",
    "delete table inet berth_test",
    "table inet berth_test {",
    "\tchain forward {",
    "\t\ttype filter hook forward priority filter; policy accept;",
    '\t\tiifname "berth0" oifname { "br-0123456789ab", "br-internal" } drop',
    '\t\tiifname "br-0123456789ab" oifname { "berth0", "br-internal" } drop',
    '\t\tiifname "br-internal" oifname != "br-internal" drop',
    '\t\toifname "br-internal" iifname != "br-internal" drop',
    '\t\tiifname "br-internal" oifname { "berth0", "br-0123456789ab" } drop',
    '\t\tiifname "br-internal" oifname "br-internal" drop',
    '\t\toifname { "berth0", "br-0123456789ab", "br-internal" } ct state established,related accept',
    "\t}",
    "\tchain prerouting_raw {",
    "\t\ttype filter hook prerouting priority raw; policy accept;",
    '\t\tiifname { "berth0", "br-0123456789ab", "br-internal" } ip daddr 127.0.0.0/8 drop',
    "\t}",
    "\tchain postrouting {",
    "\t\ttype nat hook postrouting priority srcnat; policy accept;",
    '\t\tip saddr 172.17.0.0/16 oifname != "berth0" masquerade',
    '\t\tip saddr 172.18.0.0/16 oifname != "br-0123456789ab" masquerade',
    "\t}",
    "}",
    "",
  ].join("\n"));
});

test("one network, masquerade off: no isolation rule, no masquerade", () => {
  const got = nftScript({ table: "t", networks: [{ bridge: "b1", subnet: "10.0.0.0/24", internal: false, icc: true, masquerade: false }], dnat: [] });
  assert.ok(!got.includes("masquerade"));
  assert.ok(!got.includes(" drop\n\t\toifname"));
  assert.ok(got.includes('\t\toifname "b1" ct state established,related accept\n'));
});

test("DNAT mode: prerouting and output, loopback bindings only in output, hairpin masquerade", () => {
  const got = nftScript({
    table: "t",
    networks: [{ bridge: "b1", subnet: "10.0.0.0/24", internal: false, icc: true, masquerade: true }],
    dnat: [
      { proto: "tcp", hostIp: "0.0.0.0", hostPort: 8080, containerIp: "10.0.0.2", containerPort: 80, bridge: "b1" },
      { proto: "udp", hostIp: "127.0.0.1", hostPort: 5353, containerIp: "10.0.0.3", containerPort: 53, bridge: "b1" },
    ],
  });
  const chain = (name: string) => got.split(`\tchain ${name} {\n`)[1]!.split("\t}")[0]!;
  assert.equal(chain("prerouting"), [
    "\t\ttype nat hook prerouting priority dstnat; policy accept;",
    "\t\tfib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:80",
    "",
  ].join("\n"));
  assert.equal(chain("output"), [
    "\t\ttype nat hook output priority -100; policy accept;",
    "\t\tfib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:80",
    "\t\tfib daddr type local ip daddr 127.0.0.1 udp dport 5353 dnat ip to 10.0.0.3:53",
    "",
  ].join("\n"));
  assert.equal(chain("postrouting"), [
    "\t\ttype nat hook postrouting priority srcnat; policy accept;",
    '\t\tip saddr 10.0.0.0/24 oifname != "b1" masquerade',
    "\t\tip saddr 10.0.0.2 ip daddr 10.0.0.2 tcp dport 80 masquerade",
    '\t\tip saddr 127.0.0.0/8 ip daddr 10.0.0.2 oifname "b1" tcp dport 80 masquerade',
    "\t\tip saddr 10.0.0.3 ip daddr 10.0.0.3 udp dport 53 masquerade",
    '\t\tip saddr 127.0.0.0/8 ip daddr 10.0.0.3 oifname "b1" udp dport 53 masquerade',
    "",
  ].join("\n"));
});

test("delete script tolerates a missing table", () => {
  assert.equal(nftDeleteScript("berth"), "table inet berth\ndelete table inet berth\n");
});
