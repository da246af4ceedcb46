import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { EndpointRecord, NetworkRecord } from "../NetworkStore.js";
import { nftScript } from "../firewall/nftScript.js";
import { parseAllowLabel } from "./allowLabel.js";
import { policyChains } from "./policyRules.js";

const net = (id: string, name: string, gateway: string, more: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id, name, created: "", driver: "bridge", predefined: false, defaultBridge: false, subnet: `${gateway.replace(/\.1$/, ".0")}/24`, gateway,
  auxAddresses: {}, ipamDriver: "default", ipamOptions: null, internal: false, attachable: false, labels: {}, options: {},
  bridge: `br-${id}`, mtu: 1500, icc: true, masquerade: true, ...more,
});
let n = 0;
const ep = (networkId: string, containerId: string, name: string, ip: string, more: Partial<EndpointRecord> = {}): EndpointRecord => ({
  id: `ep${n++}`, networkId, containerId, containerName: name, ifName: "eth0", hostVeth: `vb${n}`, ip, prefix: 24, mac: "", gateway: "",
  staticIp: false, aliases: [], dnsNames: [name, containerId.slice(0, 12)], hostname: containerId.slice(0, 12), config: {}, position: 0, ...more,
});

const CLIENT = "c1".repeat(32);
const API = "a1".repeat(32);
const DB = "d1".repeat(32);
const OTHER = "e1".repeat(32);

test("rules from records: names on the client's networks only, host = its gateways, DNS always", () => {
  const nets = [net("n1", "front", "10.210.1.1"), net("n2", "back", "10.210.2.1"), net("n3", "elsewhere", "10.210.3.1"), net("nb", "bridge", "172.17.0.1", { defaultBridge: true })];
  const eps = [
    ep("n1", CLIENT, "client", "10.210.1.2", { mac: "02:42:0A:D2:01:02" }),
    ep("n2", CLIENT, "client", "10.210.2.2", { position: 1, mac: "02:42:0a:d2:02:02" }),
    ep("n1", API, "api", "10.210.1.3", { dnsNames: ["api", "web", API.slice(0, 12)] }),
    ep("n2", DB, "db", "10.210.2.3"),
    // "api" on a network the client is not on must not become reachable.
    ep("n3", OTHER, "api", "10.210.3.9"),
    // Names on the default bridge do not exist.
    ep("nb", OTHER, "db", "172.17.0.5", { dnsNames: [] }),
  ];
  const chains = policyChains([{ id: CLIENT, name: "client", rules: parseAllowLabel("web:80,db.back:5432,ghost:1,host:8080-8090/udp,192.0.2.0/24") }], nets, eps);
  assert.deepEqual(chains, [{
    containerId: CLIENT,
    chain: `allow_${CLIENT.slice(0, 12)}`,
    sources: ["10.210.1.2", "10.210.2.2"],
    macs: ["02:42:0a:d2:01:02", "02:42:0a:d2:02:02"],
    resolvers: ["10.210.1.1", "10.210.2.1"],
    allowed: [
      { daddrs: ["10.210.1.3"], ports: { proto: "tcp", from: 80, to: 80 }, comment: "web:80" },
      { daddrs: ["10.210.2.3"], ports: { proto: "tcp", from: 5432, to: 5432 }, comment: "db.back:5432" },
      { daddrs: ["10.210.1.1", "10.210.2.1"], ports: { proto: "udp", from: 8080, to: 8090 }, comment: "host:8080-8090/udp" },
      { daddrs: ["192.0.2.0/24"], comment: "192.0.2.0/24" },
    ],
  }]);
  // No endpoint, no chain (it sends nothing); endpoints of removed networks are ignored.
  assert.deepEqual(policyChains([{ id: CLIENT, name: "client", rules: [] }], [nets[2]!], eps), []);
});

test("nft text: own base chains before berth's filter chains jump by source; allow returns, the rest is dropped", () => {
  const nets = [net("n1", "front", "10.210.1.1")];
  const eps = [ep("n1", CLIENT, "client", "10.210.1.2", { mac: "02:42:0a:d2:01:02" }), ep("n1", API, "api", "10.210.1.3")];
  const policies = policyChains([{ id: CLIENT, name: "client", rules: parseAllowLabel("api:80") }], nets, eps);
  const fw = { table: "t", networks: [{ bridge: "br-n1", subnet: "10.210.1.0/24", internal: false, icc: true, masquerade: true }], dnat: [] };
  const got = nftScript({ ...fw, policies });
  const chain = (name: string) => got.split(`\tchain ${name} {\n`)[1]!.split("\t}")[0]!;
  const c = `allow_${CLIENT.slice(0, 12)}`;
  assert.equal(chain("policy_forward"), [
    "\t\ttype filter hook forward priority filter - 1; policy accept;",
    "\t\tmeta nfproto ipv6 ether saddr 02:42:0a:d2:01:02 drop",
    `\t\tip saddr 10.210.1.2 jump ${c}`,
    "",
  ].join("\n"));
  assert.equal(chain("policy_input"), [
    "\t\ttype filter hook input priority filter - 1; policy accept;",
    "\t\tmeta nfproto ipv6 ether saddr 02:42:0a:d2:01:02 drop",
    `\t\tip saddr 10.210.1.2 jump ${c}`,
    "",
  ].join("\n"));
  assert.equal(chain(c), [
    "\t\tct state established,related return",
    "\t\tip daddr 10.210.1.1 udp dport 53 return",
    "\t\tip daddr 10.210.1.1 tcp dport 53 return",
    '\t\tip daddr 10.210.1.3 tcp dport 80 return comment "api:80"',
    "\t\tdrop",
    "",
  ].join("\n"));
  // Berth's own chains are unchanged by policies, and declared inside the table.
  assert.equal(got.split("\tchain policy_forward {")[0], nftScript({ ...fw, policies: [] }).replace(/}\n$/, ""));
  assert.ok(got.endsWith("\t}\n}\n"));
  assert.ok(!nftScript({ ...fw, policies: [] }).includes("policy_"));
});

test("several sources and targets become sets; a port range is a-b", () => {
  const nets = [net("n1", "front", "10.210.1.1"), net("n2", "back", "10.210.2.1")];
  const eps = [
    ep("n1", CLIENT, "client", "10.210.1.2"), ep("n2", CLIENT, "client", "10.210.2.2", { position: 1 }),
    ep("n1", API, "api", "10.210.1.3", { aliases: ["svc"], dnsNames: ["api", "svc"] }), ep("n2", DB, "db", "10.210.2.3", { dnsNames: ["db", "svc"] }),
  ];
  const [p] = policyChains([{ id: CLIENT, name: "client", rules: parseAllowLabel("svc:9000-9100") }], nets, eps);
  const got = nftScript({ table: "t", networks: [], dnat: [], policies: [p!] });
  assert.ok(got.includes(`ip saddr { 10.210.1.2, 10.210.2.2 } jump allow_${CLIENT.slice(0, 12)}`));
  assert.ok(got.includes("ip daddr { 10.210.1.1, 10.210.2.1 } udp dport 53 return"));
  assert.ok(got.includes('ip daddr { 10.210.1.3, 10.210.2.3 } tcp dport 9000-9100 return comment "svc:9000-9100"'));
});
