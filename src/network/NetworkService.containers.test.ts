import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isEngineError } from "../errors/EngineError.js";
import { container, withService } from "./testing/serviceHarness.js";

const kind = (k: string) => (e: unknown) => isEngineError(e, k as never);

test("validate: the mode's network first, Docker's errors for the default bridge", async () => {
  await withService({}, async ({ svc }) => {
    const { Id } = await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    await svc.create({ Name: "db" });
    const got = svc.validate(Id, { db: { Aliases: ["pg"] }, app: { IPAMConfig: { IPv4Address: "10.252.0.9" } } }, {}, []);
    assert.deepEqual(Object.keys(got), ["app", "db"]);
    assert.equal(got.app!.IPAMConfig!.IPv4Address, "10.252.0.9");
    assert.equal(got.app!.NetworkID, Id);
    assert.deepEqual(Object.keys(svc.validate("default", undefined, {}, [])), ["bridge"]);
    assert.deepEqual(Object.keys(svc.validate("bridge", undefined, {}, [])), ["bridge"]);
    const bad: [string, object | undefined, object, string, string | RegExp][] = [
      ["bridge", { bridge: { Aliases: ["x"] } }, {}, "InvalidArgument", "network-scoped alias is supported only for containers in user defined networks"],
      ["bridge", { bridge: { IPAMConfig: { IPv4Address: "172.17.0.9" } } }, {}, "InvalidArgument", "user specified IP address is supported on user defined networks only"],
      ["app", { app: { IPAMConfig: { IPv4Address: "10.9.0.1" } } }, {}, "InvalidArgument", /no configured subnet or ip-range contain the IP address 10.9.0.1/],
      ["app", { app: { IPAMConfig: { IPv4Address: "10.252.0.1" } } }, {}, "InvalidArgument", /10.252.0.1/],
      ["app", { app: { IPAMConfig: { IPv4Address: "10.252.0.255" } } }, {}, "InvalidArgument", /10.252.0.255/],
      ["app", { app: { IPAMConfig: { IPv4Address: "nope" } } }, {}, "InvalidArgument", "invalid IPv4 address: nope"],
      ["app", { app: { MacAddress: "01:00:5e:00:00:01" } }, {}, "InvalidArgument", "invalid MAC address: 01:00:5e:00:00:01"],
      ["missing", undefined, {}, "NotFound", "network missing not found"],
      ["app", { missing: {} }, {}, "NotFound", "network missing not found"],
      ["host", undefined, {}, "InvalidArgument", /host/],
      ["container:abc", undefined, {}, "InvalidArgument", /container:abc/],
      ["app", { none: {} }, {}, "InvalidArgument", /none/],
      ["app", undefined, { "80/tcp": [{ HostPort: "x" }] }, "InvalidArgument", /invalid hostPort/],
      ["app", undefined, { "80/sctp": [{ HostPort: "80" }] }, "NotImplemented", /sctp/],
    ];
    for (const [mode, eps, ports, k, msg] of bad) {
      assert.throws(() => svc.validate(mode, eps as never, ports as never, []), (e) => isEngineError(e, k as never) && (typeof msg === "string" ? e.message === msg : msg.test(e.message)), `${mode} ${JSON.stringify(eps)}`);
    }
  });
});

test("setUp: netns, endpoints in order, addresses, gateway on the first only, hosts, resolv.conf, DNS, view; tearDown undoes it", async () => {
  await withService({}, async ({ svc, ops, dns, options }) => {
    const app = await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    await svc.create({ Name: "back", Internal: true, IPAM: { Config: [{ Subnet: "10.253.0.0/24" }] } });
    const c = container({ app: { Aliases: ["web"] }, back: {}, bridge: {} }, { exposedPorts: ["80/tcp", "9000/udp"], portBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } });
    const setup = await svc.setUp(c);
    const path = join(options.execRoot, "netns", c.id);
    assert.equal(setup.netnsPath, path);
    assert.equal(svc.netnsPath(c.id), path);
    assert.ok(ops.netns.has(path));
    const veths = [...ops.veths.values()];
    assert.deepEqual(veths.map((v) => [v.ifName, v.cidr, v.gateway, v.bridge.startsWith("br-") || v.bridge === "berth0"]), [
      ["eth0", "10.252.0.2/24", "10.252.0.1", true],
      ["eth1", "10.253.0.2/24", "", true],
      ["eth2", "172.17.0.2/16", "", true],
    ]);
    for (const v of veths) assert.match(v.hostName, /^vb[0-9a-f]{10}$/);
    assert.equal(veths[0]!.mac, "02:42:0a:fc:00:02");
    assert.deepEqual(setup.hostsEntries, [`10.252.0.2\t${c.hostname}`, `10.253.0.2\t${c.hostname}`, `172.17.0.2\t${c.hostname}`]);
    assert.match(setup.resolvConf, /^nameserver 10\.252\.0\.1$/m);
    assert.match(setup.resolvConf, /^search example\.org$/m);
    assert.match(setup.resolvConf, /^options ndots:2$/m);

    // DNS: the user network answers names, aliases, short id, hostname; the default bridge none.
    const recs = dns.listeners.get("10.252.0.1")!;
    for (const name of [c.name, "web", c.id.slice(0, 12), `web.app`]) assert.deepEqual(recs.lookup(name.toLowerCase()), ["10.252.0.2"], name);
    assert.deepEqual(recs.lookup("other"), []);
    assert.equal(recs.reverse("10.252.0.2"), `${c.name}.app`);
    assert.equal(dns.listeners.get("172.17.0.1"), null);

    const v = svc.view(c.id, c);
    assert.deepEqual(Object.keys(v.networks), ["app", "back", "bridge"]);
    assert.equal(v.networks.app!.IPAddress, "10.252.0.2");
    assert.equal(v.networks.app!.IPPrefixLen, 24);
    assert.equal(v.networks.app!.Gateway, "10.252.0.1");
    assert.equal(v.networks.app!.NetworkID, app.Id);
    assert.match(v.networks.app!.EndpointID!, /^[0-9a-f]{64}$/);
    assert.deepEqual(v.networks.app!.DNSNames, [c.name, "web", c.id.slice(0, 12)]);
    assert.equal(v.networks.bridge!.DNSNames, null);
    assert.deepEqual(v.ports, { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }], "9000/udp": null });
    const insp = svc.inspect("app");
    assert.deepEqual(insp.Containers[c.id], { Name: c.name, EndpointID: v.networks.app!.EndpointID, MacAddress: "02:42:0a:fc:00:02", IPv4Address: "10.252.0.2/24", IPv6Address: "" });
    await assert.rejects(svc.remove("app"), (e) => isEngineError(e, "Forbidden") && /has active endpoints/.test(e.message));

    await svc.tearDown(c.id);
    assert.equal(ops.netns.size, 0);
    assert.equal(ops.veths.size, 0);
    assert.equal(svc.netnsPath(c.id), undefined);
    assert.deepEqual(svc.inspect("app").Containers, {});
    assert.deepEqual(recs.lookup(c.name), []);
    const stopped = svc.view(c.id, c);
    assert.equal(stopped.networks.app!.IPAddress, "");
    assert.equal(stopped.networks.app!.NetworkID, app.Id);
    await svc.tearDown(c.id); // idempotent
    await svc.remove("app");
  });
});

test("addresses: sequential without immediate reuse, static --ip conflicts, exhaustion", async () => {
  await withService({}, async ({ svc, ops }) => {
    await svc.create({ Name: "tiny", IPAM: { Config: [{ Subnet: "10.254.0.0/29" }] } });
    const ip = async (cfg = {}) => {
      const c = container({ tiny: cfg });
      await svc.setUp(c);
      return { c, ip: svc.view(c.id, c).networks.tiny!.IPAddress };
    };
    const a = await ip();
    const b = await ip();
    assert.deepEqual([a.ip, b.ip], ["10.254.0.2", "10.254.0.3"]);
    await svc.tearDown(a.c.id);
    const c = await ip();
    assert.equal(c.ip, "10.254.0.4", "a just-freed address is not reused at once");
    await assert.rejects(ip({ IPAMConfig: { IPv4Address: "10.254.0.3" } }), (e) => isEngineError(e, "Conflict") && /Address already in use/.test(e.message));
    const s = await ip({ IPAMConfig: { IPv4Address: "10.254.0.6" } });
    assert.equal(s.ip, "10.254.0.6");
    const d = await ip();
    assert.equal(d.ip, "10.254.0.5");
    const e = await ip();
    assert.equal(e.ip, "10.254.0.2", "wrapped around");
    await assert.rejects(ip(), (err) => isEngineError(err, "Unavailable") && err.message === "no available IPv4 addresses on this network's address pools: tiny (10.254.0.0/29)");
    assert.equal(ops.netns.size, 5, "the refused containers left nothing");
    assert.equal(ops.veths.size, 5);
  });
});

for (const step of ["netnsCreate", "vethAdd#1", "vethAdd#2", "proxy"] as const) {
  test(`setUp rolls back when ${step} fails: nothing recorded, nothing left`, async () => {
    await withService({}, async ({ svc, ops, proxy, db }) => {
      await svc.create({ Name: "app" });
      const c = container({ app: {}, bridge: {} }, { portBindings: { "80/tcp": [{ HostPort: "" }] } });
      if (step === "proxy") proxy.failNext = new Error("bind: injected");
      else if (step === "netnsCreate") ops.failOn("netnsCreate");
      else ops.failOn("vethAdd", step === "vethAdd#1" ? 1 : 2);
      await assert.rejects(svc.setUp(c));
      assert.equal(ops.netns.size, 0);
      assert.equal(ops.veths.size, 0);
      assert.equal(proxy.running.size, 0);
      assert.equal((db.prepare("SELECT COUNT(*) AS n FROM endpoints").get() as { n: number }).n, 0);
      assert.equal((db.prepare("SELECT COUNT(*) AS n FROM container_netns").get() as { n: number }).n, 0);
      assert.equal(svc.netnsPath(c.id), undefined);
      ops.clearFailures();
      // The same container sets up fine afterwards, with the first addresses.
      await svc.setUp(c);
      assert.equal(svc.view(c.id, c).networks.app!.IPAddress, step === "netnsCreate" ? "172.19.0.2" : "172.19.0.3");
      assert.equal(proxy.running.size, 1);
    });
  });
}

test("a failing cleanup step is reported with the original error", async () => {
  await withService({}, async ({ svc, ops }) => {
    const c = container({ bridge: {} });
    ops.failOn("vethAdd");
    ops.failOn("netnsDelete");
    await assert.rejects(svc.setUp(c), (e) => isEngineError(e, "Internal") && /vethAdd: injected/.test(e.message) && e.cleanupErrors.some((x) => /netnsDelete: injected/.test(String(x))));
  });
});

test("tearDown keeps what it could not remove and finishes on retry", async () => {
  await withService({}, async ({ svc, ops, db }) => {
    const c = container({ bridge: {} });
    await svc.setUp(c);
    ops.failOn("linkDelete");
    await assert.rejects(svc.tearDown(c.id), kind("Internal"));
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM endpoints").get() as { n: number }).n, 1);
    ops.clearFailures();
    await svc.tearDown(c.id);
    assert.equal(ops.veths.size + ops.netns.size, 0);
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM endpoints").get() as { n: number }).n, 0);
  });
});

test("connect and disconnect a running container", async () => {
  await withService({}, async ({ svc, ops }) => {
    await svc.create({ Name: "app" });
    await svc.create({ Name: "extra", IPAM: { Config: [{ Subnet: "10.250.9.0/24" }] } });
    const c = container({ app: {} });
    await svc.setUp(c);
    const r = await svc.connect("extra", c, { Aliases: ["x1"], IPAMConfig: { IPv4Address: "10.250.9.77" } });
    assert.equal(r.name, "extra");
    assert.match(r.settings.EndpointID!, /^[0-9a-f]{64}$/);
    const eth1 = [...ops.veths.values()].find((v) => v.ifName === "eth1")!;
    assert.equal(eth1.cidr, "10.250.9.77/24");
    assert.equal(eth1.gateway, "");
    assert.equal(svc.view(c.id, c).networks.extra!.IPAddress, "10.250.9.77");
    await assert.rejects(svc.connect("extra", c, {}), (e) => isEngineError(e, "Conflict") && e.message === `endpoint with name ${c.name} already exists in network extra`);
    await assert.rejects(svc.connect("host", c, {}), kind("Forbidden"));
    await assert.rejects(svc.connect("none", c, {}), kind("Forbidden"));
    await assert.rejects(svc.connect("bridge", c, { Aliases: ["a"] }), kind("InvalidArgument"));
    const stopped = container({ app: {} });
    await assert.rejects(svc.connect("extra", stopped, {}), kind("FailedPrecondition"));
    await svc.disconnect("extra", c.id);
    assert.equal(ops.veths.size, 1);
    assert.deepEqual(Object.keys(svc.view(c.id, c).networks), ["app"]);
    await assert.rejects(svc.disconnect("extra", c.id), kind("NotFound"));
    // The freed eth1 is taken again.
    await svc.connect("bridge", c, {});
    assert.ok([...ops.veths.values()].some((v) => v.ifName === "eth1" && v.bridge === "berth0"));
    assert.equal(svc.resolveName("extra"), "extra");
    assert.equal(svc.resolveName(svc.inspect("extra").Id.slice(0, 10)), "extra");
    assert.throws(() => svc.resolveName("ext"), kind("NotFound"));
  });
});

test("restore: adopts running containers, restarts a dead proxy, tears down the rest, removes unowned netns files", async () => {
  await withService({}, async ({ svc, ops, proxy, reopen, options, db }) => {
    await svc.create({ Name: "app" });
    const keep = container({ app: {} }, { portBindings: { "80/tcp": [{ HostPort: "8080" }] }, exposedPorts: ["80/tcp"] });
    const gone = container({ app: {}, bridge: {} });
    await svc.setUp(keep);
    await svc.setUp(gone);
    const orphan = join(options.execRoot, "netns", "f".repeat(64));
    await ops.netnsCreate(orphan);
    // The daemon went down; the proxy died meanwhile.
    proxy.running.clear();
    const again = await reopen();
    await again.restore([{ ...keep, name: "renamed" }]);
    assert.ok(!ops.netns.has(orphan), "unowned netns file removed");
    assert.ok(ops.calls.some((c) => c.op === "netnsDelete" && c.args[0] === orphan));
    assert.equal(again.netnsPath(gone.id), undefined);
    assert.ok(again.netnsPath(keep.id));
    assert.equal(ops.veths.size, 1);
    assert.equal(proxy.running.size, 1, "proxy restarted");
    assert.deepEqual([...proxy.running.values()][0]!.map((m) => m.hostPort), ["8080"]);
    assert.deepEqual(again.view(keep.id, keep).ports, { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }] });
    assert.equal(again.inspect("app").Containers[keep.id]!.Name, "renamed");
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM endpoints").get() as { n: number }).n, 1);
    // A live proxy is kept as is.
    const before = ops.calls.length;
    await again.restore([keep]);
    assert.equal(proxy.running.size, 1);
    assert.deepEqual([...new Set(ops.calls.slice(before).map((c) => c.op))].sort(), ["bridgeEnsure", "nft"], "only idempotent ensures");
  });
});

test("DNAT mode: published ports become rules in berth's table and go with the container", async () => {
  await withService({ userlandProxy: false }, async ({ svc, ops, proxy }) => {
    const c = container({ bridge: {} }, { portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "0" }] } });
    await svc.setUp(c);
    assert.equal(proxy.running.size, 0);
    const p = svc.view(c.id, c).ports["80/tcp"]![0]!;
    assert.equal(p.HostIp, "127.0.0.1");
    assert.ok(Number(p.HostPort) > 0);
    assert.ok(ops.nftText.includes(`fib daddr type local ip daddr 127.0.0.1 tcp dport ${p.HostPort} dnat ip to 172.17.0.2:80`));
    assert.equal(ops.sysctls.get("net.ipv4.conf.berth0.route_localnet"), "1");
    await svc.tearDown(c.id);
    assert.ok(!ops.nftText.includes("dnat"));
  });
});

test("without DNS the container gets the host's non-loopback nameservers", async () => {
  await withService({ dns: null }, async ({ svc }) => {
    const s = await svc.setUp(container({ bridge: {} }));
    assert.equal(s.resolvConf, "nameserver 10.9.9.9\nsearch example.org\noptions ndots:2\n");
  });
});

test("a remove racing a setUp: one of them wins, nothing is left half-made", async () => {
  await withService({}, async ({ svc, ops, db }) => {
    await svc.create({ Name: "racy" });
    const c = container({ racy: {} });
    const setting = svc.setUp(c);
    const removing = svc.remove("racy");
    const [s, r] = await Promise.allSettled([setting, removing]);
    assert.equal(r.status, "fulfilled", "remove ran first (no endpoint yet)");
    assert.equal(s.status, "rejected");
    assert.ok(isEngineError((s as PromiseRejectedResult).reason, "NotFound"));
    assert.equal(ops.netns.size + ops.veths.size, 0);
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM endpoints").get() as { n: number }).n, 0);
    assert.equal(ops.bridges.size, 1);
  });
});

test("DNAT mode: two containers asking for one host port at once: the second gets Docker's conflict", async () => {
  await withService({ userlandProxy: false }, async ({ svc }) => {
    const { createServer } = await import("node:net");
    const probe = createServer();
    const port = await new Promise<number>((r) => probe.listen(0, "127.0.0.1", () => r((probe.address() as { port: number }).port)));
    await new Promise((r) => probe.close(r));
    const mk = () => container({ bridge: {} }, { portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] } });
    const results = await Promise.allSettled([svc.setUp(mk()), svc.setUp(mk())]);
    assert.deepEqual(results.map((x) => x.status).sort(), ["fulfilled", "rejected"]);
    const err = (results.find((x) => x.status === "rejected") as PromiseRejectedResult).reason;
    assert.ok(isEngineError(err, "Conflict") && err.message === `Bind for 127.0.0.1:${port} failed: port is already allocated`, String(err));
  });
});

test("crash recovery: half-made setUp and half-done remove are repaired by open + restore", async () => {
  const { NetworkStore } = await import("./NetworkStore.js");
  await withService({}, async ({ svc, ops, reopen, db, options }) => {
    const { Id } = await svc.create({ Name: "app" });
    const c = container({ app: {} });
    await svc.setUp(c);
    // A crash in the middle of another container's setUp: records made, the kernel part not.
    const store = new NetworkStore(db);
    const half = container({ app: {} });
    store.putNetns({ containerId: half.id, path: join(options.execRoot, "netns", half.id), proxy: null, published: [], exposed: [] });
    store.insertEndpoint({
      id: "e".repeat(64), networkId: Id, containerId: half.id, containerName: half.name, ifName: "eth0", hostVeth: "vbeeeeeeeeee", ip: "172.19.0.9", prefix: 16,
      mac: "02:42:ac:13:00:09", gateway: "172.19.0.1", staticIp: false, aliases: [], dnsNames: [half.name], hostname: half.hostname, config: {}, position: 0,
    }, 0xac130009);
    // And a crash in the middle of a remove: the bridge went, the record stayed.
    await svc.create({ Name: "dying" });
    const dyingBridge = `br-${svc.inspect("dying").Id.slice(0, 12)}`;
    await ops.bridgeDelete(dyingBridge);

    const again = await reopen();
    assert.ok(ops.bridges.has(dyingBridge), "the recorded network's bridge is back");
    await again.restore([c]);
    assert.equal(again.netnsPath(half.id), undefined);
    assert.deepEqual(Object.keys(again.inspect("app").Containers), [c.id]);
    assert.ok(ops.calls.some((x) => x.op === "linkDelete" && x.args[0] === "vbeeeeeeeeee"));
    assert.equal(ops.veths.size, 1);
    await again.remove("dying");
    assert.ok(!ops.bridges.has(dyingBridge));
  });
});
