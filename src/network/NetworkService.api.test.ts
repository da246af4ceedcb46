import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../errors/EngineError.js";
import type { Filters } from "../api/filters.js";
import { withService } from "./testing/serviceHarness.js";
import { INTERNAL_MTU } from "./bridge/mtu.js";

const F = (o: Record<string, string[]>): Filters => new Map(Object.entries(o).map(([k, v]) => [k, new Set(v)]));
const NONE: Filters = new Map();
const kind = (k: string) => (e: unknown) => isEngineError(e, k as never);

test("open: predefined bridge/host/none, default bridge in the kernel, nft table, forwarding", async () => {
  await withService({}, async ({ svc, ops }) => {
    const names = svc.list(NONE).map((n) => `${n.Name}/${n.Driver}`).sort();
    assert.deepEqual(names, ["bridge/bridge", "host/host", "none/null"]);
    const br = svc.inspect("bridge");
    assert.match(br.Id, /^[0-9a-f]{64}$/);
    // 172.17/16 is free in the fake host's routes.
    assert.deepEqual(br.IPAM.Config, [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" }]);
    assert.equal(br.Options["com.docker.network.bridge.default_bridge"], "true");
    assert.equal(br.Options["com.docker.network.bridge.name"], "berth0");
    assert.equal(br.Options["com.docker.network.bridge.enable_icc"], "true");
    assert.equal(br.Options["com.docker.network.driver.mtu"], "1500");
    assert.deepEqual(ops.bridges.get("berth0"), { cidr: "172.17.0.1/16", mtu: INTERNAL_MTU });
    assert.match(ops.nftText, /delete table inet berth_unit/);
    assert.match(ops.nftText, /ip saddr 172.17.0.0\/16 oifname != "berth0" masquerade/);
    assert.equal(ops.sysctls.get("net.ipv4.ip_forward"), "1");
    assert.deepEqual(svc.inspect("host").IPAM.Config, []);
    for (const n of ["bridge", "host", "none"]) {
      await assert.rejects(svc.remove(n), (e) => isEngineError(e, "Forbidden") && e.message === `${n} is a pre-defined network and cannot be removed`);
    }
  });
});

test("ipForward false: forwarding is left alone", async () => {
  await withService({ ipForward: false }, async ({ ops }) => {
    assert.equal(ops.sysctls.has("net.ipv4.ip_forward"), false);
  });
});

test("open again keeps ids and does not duplicate; --bip and --bridge none", async () => {
  await withService({ defaultBridge: { name: "berth0", cidr: "10.250.3.1/24" } }, async ({ svc, reopen, ops }) => {
    const id = svc.inspect("bridge").Id;
    assert.deepEqual(ops.bridges.get("berth0"), { cidr: "10.250.3.1/24", mtu: INTERNAL_MTU });
    const again = await reopen();
    assert.equal(again.inspect("bridge").Id, id);
    assert.equal(again.list(NONE).length, 3);
    const none = await reopen({ defaultBridge: null });
    assert.deepEqual(none.list(NONE).map((n) => n.Name).sort(), ["host", "none"]);
    assert.ok(!ops.bridges.has("berth0"), "the disabled default bridge is removed");
    assert.throws(() => none.validate("bridge", undefined, {}, []), (e) => isEngineError(e, "NotFound") && e.message === "network bridge not found");
  });
});

test("create: next free pool skipping host routes, Docker's defaults for options", async () => {
  await withService({}, async ({ svc, ops }) => {
    const { Id } = await svc.create({ Name: "app", Labels: { team: "a" } });
    const n = svc.inspect("app");
    assert.equal(n.Id, Id);
    // 172.17 is the default bridge's, 172.18 a host route's.
    assert.deepEqual(n.IPAM.Config, [{ Subnet: "172.19.0.0/16", Gateway: "172.19.0.1" }]);
    assert.equal(n.Driver, "bridge");
    assert.deepEqual(n.Labels, { team: "a" });
    assert.deepEqual(n.Options, {});
    const bridge = `br-${Id.slice(0, 12)}`;
    assert.deepEqual(ops.bridges.get(bridge), { cidr: "172.19.0.1/16", mtu: INTERNAL_MTU });
    assert.ok(ops.nftText.includes(`ip saddr 172.19.0.0/16 oifname != "${bridge}" masquerade`));
    assert.ok(ops.nftText.includes(`iifname "berth0" oifname "${bridge}" drop`), "isolation between networks");
    // Lookup: name, id, unique prefix.
    assert.equal(svc.inspect(Id).Name, "app");
    assert.equal(svc.inspect(Id.slice(0, 5)).Name, "app");
    assert.throws(() => svc.inspect("nope"), (e) => isEngineError(e, "NotFound") && e.message === "network nope not found");
    await assert.rejects(svc.create({ Name: "app" }), (e) => isEngineError(e, "Conflict") && e.message === "network with name app already exists");
    const second = await svc.create({ Name: "app2" });
    assert.equal(svc.inspect(second.Id).IPAM.Config![0]!.Subnet, "172.20.0.0/16");
  });
});

test("create: explicit subnet, gateway, ip-range, aux addresses, options and their errors", async () => {
  await withService({}, async ({ svc, ops }) => {
    await svc.create({
      Name: "custom", Internal: true, Attachable: true,
      IPAM: { Driver: "default", Config: [{ Subnet: "10.251.0.0/24", Gateway: "10.251.0.254", IPRange: "10.251.0.128/25", AuxiliaryAddresses: { printer: "10.251.0.10" } }] },
      Options: { "com.docker.network.bridge.name": "brcustom", "com.docker.network.bridge.enable_icc": "false", "com.docker.network.driver.mtu": "1400", "x.unknown": "kept" },
    });
    const n = svc.inspect("custom");
    assert.deepEqual(n.IPAM.Config, [{ Subnet: "10.251.0.0/24", IPRange: "10.251.0.128/25", Gateway: "10.251.0.254", AuxiliaryAddresses: { printer: "10.251.0.10" } }]);
    assert.equal(n.Internal, true);
    assert.equal(n.Attachable, true);
    assert.equal(n.Options["x.unknown"], "kept");
    assert.deepEqual(ops.bridges.get("brcustom"), { cidr: "10.251.0.254/24", mtu: 1400 });
    assert.ok(ops.nftText.includes('iifname "brcustom" oifname != "brcustom" drop'), "internal");
    assert.ok(ops.nftText.includes('iifname "brcustom" oifname "brcustom" drop'), "icc off");
    assert.ok(!ops.nftText.includes("ip saddr 10.251.0.0/24"), "no masquerade for internal");

    const bad: [object, string, string | RegExp][] = [
      [{ Name: "-x" }, "InvalidArgument", /invalid network name/],
      [{ Name: "a b" }, "InvalidArgument", /invalid network name/],
      [{ Name: "o", Driver: "overlay" }, "NotImplemented", "network driver overlay is not supported by berth"],
      [{ Name: "o", Driver: "macvlan" }, "NotImplemented", "network driver macvlan is not supported by berth"],
      [{ Name: "o", EnableIPv6: true }, "NotImplemented", /IPv6/],
      [{ Name: "o", Options: { "com.docker.network.enable_ipv6": "true" } }, "NotImplemented", /IPv6/],
      [{ Name: "o", Options: { "com.docker.network.enable_ipv6": "yes" } }, "InvalidArgument", /enable_ipv6" is not a valid bool/],
      [{ Name: "o", Options: { "com.docker.network.enable_ipv4": "false" } }, "NotImplemented", /without IPv4/],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "10.1.2.0/33" }] } }, "InvalidArgument", "invalid subnet 10.1.2.0/33"],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "nonsense" }] } }, "InvalidArgument", "invalid subnet nonsense"],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "10.1.2.3/24" }] } }, "InvalidArgument", "invalid subnet 10.1.2.3/24: it should be 10.1.2.0/24"],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "10.1.2.0/24", Gateway: "x" }] } }, "InvalidArgument", "invalid gateway x"],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "10.1.2.0/24", Gateway: "10.1.3.1" }] } }, "InvalidArgument", /gateway 10.1.3.1 is not in subnet 10.1.2.0\/24/],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "10.1.2.0/24", IPRange: "10.1.0.0/16" }] } }, "InvalidArgument", /ip-range 10.1.0.0\/16 is not in subnet/],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "10.1.2.0/24", AuxiliaryAddresses: { a: "10.9.9.9" } }] } }, "InvalidArgument", /auxiliary address a/],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "10.251.0.0/16" }] } }, "Forbidden", "Pool overlaps with other one on this address space"],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "192.168.2.128/25" }] } }, "Forbidden", "Pool overlaps with other one on this address space"],
      [{ Name: "o", IPAM: { Config: [{ Subnet: "fd00::/64" }] } }, "NotImplemented", /IPv6/],
      [{ Name: "o", Options: { "com.docker.network.bridge.enable_icc": "maybe" } }, "InvalidArgument", /enable_icc/],
      [{ Name: "o", Options: { "com.docker.network.driver.mtu": "20" } }, "InvalidArgument", /MTU/],
      [{ Name: "o", Options: { "com.docker.network.bridge.name": "brcustom" } }, "Conflict", /already used by network custom/],
      [{ Name: "o", Options: { "com.docker.network.bridge.name": "bad name" } }, "InvalidArgument", /invalid bridge name/],
      [{ Name: "host" }, "Conflict", "network with name host already exists"],
    ];
    const before = ops.calls.length;
    for (const [req, k, msg] of bad) {
      await assert.rejects(svc.create(req as never), (e) => isEngineError(e, k as never) && (typeof msg === "string" ? e.message === msg : msg.test(e.message)), JSON.stringify(req));
    }
    assert.equal(ops.calls.length, before, "refused creates touch nothing");
    assert.equal(svc.list(NONE).length, 4);
  });
});

test("create undoes everything when a kernel step fails; remove deletes the bridge", async () => {
  await withService({}, async ({ svc, ops, dns }) => {
    ops.failOn("bridgeEnsure");
    await assert.rejects(svc.create({ Name: "x" }), kind("Internal"));
    assert.equal(svc.list(NONE).length, 3);
    assert.equal(ops.bridges.size, 1);
    ops.clearFailures();
    ops.failOn("nft");
    await assert.rejects(svc.create({ Name: "x" }), kind("Internal"));
    assert.equal(svc.list(NONE).length, 3);
    assert.equal(ops.bridges.size, 1, "bridge deleted again");
    assert.equal(dns.listeners.size, 1, "only the default bridge's DNS listener is left");
    assert.ok(!ops.nftText.includes("br-"), "rules regenerated without it");
    ops.clearFailures();

    const { Id } = await svc.create({ Name: "x" });
    assert.equal(ops.bridges.size, 2);
    assert.equal(dns.listeners.size, 2);
    // A remove whose bridge delete fails keeps the network whole (listener, rules, record).
    ops.failOn("bridgeDelete");
    await assert.rejects(svc.remove("x"), kind("Internal"));
    assert.equal(svc.inspect("x").Id, Id);
    assert.equal(dns.listeners.size, 2);
    assert.ok(ops.nftText.includes(`br-${Id.slice(0, 12)}`));
    ops.clearFailures();
    await svc.remove(Id.slice(0, 12));
    assert.equal(ops.bridges.size, 1);
    assert.equal(dns.listeners.size, 1);
    assert.ok(!ops.nftText.includes(`br-${Id.slice(0, 12)}`));
    assert.throws(() => svc.inspect("x"), kind("NotFound"));
  });
});

test("list filters and prune", async () => {
  await withService({}, async ({ svc }) => {
    await svc.create({ Name: "alpha", Labels: { env: "dev" } });
    await svc.create({ Name: "beta", Labels: { env: "prod", keep: "1" } });
    const names = (f: Filters) => svc.list(f).map((n) => n.Name).sort();
    assert.deepEqual(names(F({ driver: ["bridge"] })), ["alpha", "beta", "bridge"]);
    assert.deepEqual(names(F({ type: ["custom"] })), ["alpha", "beta"]);
    assert.deepEqual(names(F({ type: ["builtin"] })), ["bridge", "host", "none"]);
    assert.deepEqual(names(F({ label: ["env=prod"] })), ["beta"]);
    assert.deepEqual(names(F({ label: ["env"] })), ["alpha", "beta"]);
    assert.deepEqual(names(F({ name: ["alp"] })), ["alpha"]);
    assert.deepEqual(names(F({ dangling: ["true"] })), ["alpha", "beta"]);
    assert.deepEqual(names(F({ scope: ["swarm"] })), []);
    assert.throws(() => svc.list(F({ type: ["weird"] })), kind("InvalidArgument"));
    assert.deepEqual(svc.list(NONE).find((n) => n.Name === "alpha")!.Containers, {});

    assert.deepEqual(await svc.prune(F({ "label!": ["keep"] })), { NetworksDeleted: ["alpha"] });
    assert.deepEqual(await svc.prune(F({ until: ["1970-01-02T00:00:00Z"] })), { NetworksDeleted: [] });
    assert.deepEqual(await svc.prune(NONE), { NetworksDeleted: ["beta"] });
    assert.equal(svc.list(NONE).length, 3);
  });
});

test("lookup: an ambiguous id prefix is refused, a name wins over an id prefix", async () => {
  const { NetworkStore } = await import("./NetworkStore.js");
  const { predefinedRecord } = await import("./networkRecord.js");
  await withService({}, async ({ svc, db }) => {
    const store = new NetworkStore(db);
    // Records with chosen ids (no kernel part needed for lookups).
    store.insertNetwork({ ...predefinedRecord("none", "abc1".padEnd(64, "0")), name: "n1", predefined: false });
    store.insertNetwork({ ...predefinedRecord("none", "abc2".padEnd(64, "0")), name: "abc" , predefined: false });
    assert.throws(() => svc.inspect("ab"), (e) => isEngineError(e, "InvalidArgument") && /ambiguous/.test(e.message));
    assert.equal(svc.inspect("abc").Name, "abc", "the full name first");
    assert.equal(svc.inspect("abc1").Name, "n1");
    assert.equal(svc.inspect("abc2".padEnd(64, "0")).Name, "abc");
  });
});

test("default bridge: --bip given as the network address, and a changed --bip applies when nothing is attached", async () => {
  await withService({ defaultBridge: { name: "berth0", cidr: "10.250.4.0/24" } }, async ({ svc, reopen, ops }) => {
    assert.deepEqual(svc.inspect("bridge").IPAM.Config, [{ Subnet: "10.250.4.0/24", Gateway: "10.250.4.1" }]);
    const id = svc.inspect("bridge").Id;
    const moved = await reopen({ defaultBridge: { name: "berth0", cidr: "10.250.5.1/24" } });
    assert.deepEqual(moved.inspect("bridge").IPAM.Config, [{ Subnet: "10.250.5.0/24", Gateway: "10.250.5.1" }]);
    assert.equal(moved.inspect("bridge").Id, id);
    assert.deepEqual(ops.bridges.get("berth0"), { cidr: "10.250.5.1/24", mtu: INTERNAL_MTU });
    assert.ok(ops.calls.some((c) => c.op === "bridgeDelete" && c.args[0] === "berth0"), "the old address goes with the old bridge");
    await assert.rejects(reopen({ defaultBridge: { name: "berth0", cidr: "10.250.5.255/24" } }), kind("InvalidArgument"));
  });
});

test("create: a gateway or ip-range without a subnet gets Docker's message", async () => {
  await withService({}, async ({ svc }) => {
    for (const cfg of [{ Gateway: "10.1.0.1" }, { IPRange: "10.1.0.0/25" }]) {
      await assert.rejects(svc.create({ Name: "o", IPAM: { Config: [cfg] } }), (e) => isEngineError(e, "InvalidArgument") && e.message === "every ip-range or gateway must have a corresponding subnet");
    }
    // Empty strings (what the docker CLI sends for unset flags) mean unset.
    await svc.create({ Name: "o", IPAM: { Driver: "default", Options: {}, Config: [{ Subnet: "", IPRange: "", Gateway: "", AuxiliaryAddresses: {} }] } });
    assert.equal(svc.inspect("o").IPAM.Config!.length, 1);
  });
});
