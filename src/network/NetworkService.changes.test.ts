/**
 * Changes to a set-up container: rename (DNS at once), --dns as the resolver's per-container
 * upstreams, published ports following the gateway network on disconnect, and disconnect
 * --force of a container the engine no longer has.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../errors/EngineError.js";
import { container, withService } from "./testing/serviceHarness.js";

test("rename: DNS answers the new name at once and no longer the old one; aliases and short id stay", async () => {
  await withService({}, async ({ svc, dns }) => {
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    const c = container({ app: { Aliases: ["web"] }, bridge: {} });
    await svc.setUp(c);
    const recs = dns.listeners.get("10.252.0.1")!;
    assert.deepEqual(recs.lookup(c.name), ["10.252.0.2"]);
    svc.rename(c.id, "berth-test-renamed");
    assert.deepEqual(recs.lookup(c.name), [], "the old name is gone");
    assert.deepEqual(recs.lookup("berth-test-renamed"), ["10.252.0.2"]);
    assert.deepEqual(recs.lookup("berth-test-renamed.app"), ["10.252.0.2"]);
    assert.deepEqual(recs.lookup("web"), ["10.252.0.2"]);
    assert.deepEqual(recs.lookup(c.id.slice(0, 12)), ["10.252.0.2"]);
    assert.equal(recs.reverse("10.252.0.2"), "berth-test-renamed.app");
    const view = svc.view(c.id, { ...c, name: "berth-test-renamed" });
    assert.deepEqual(view.networks.app!.DNSNames, ["berth-test-renamed", "web", c.id.slice(0, 12)]);
    assert.equal(view.networks.bridge!.DNSNames, null, "the default bridge still has no names");
    assert.equal(svc.inspect("app").Containers[c.id]!.Name, "berth-test-renamed");
    // A container without endpoints (stopped): nothing to change, no error.
    svc.rename(container({ app: {} }).id, "x");
  });
});

test("--dns on a user network: resolv.conf keeps berth's resolver, which forwards that container's queries to its --dns servers", async () => {
  await withService({}, async ({ svc, dns }) => {
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    const withDns = container({ app: {} }, { dns: ["192.0.2.53", "192.0.2.54"] });
    const plain = container({ app: {} });
    const s1 = await svc.setUp(withDns);
    const s2 = await svc.setUp(plain);
    assert.match(s1.resolvConf, /^nameserver 10\.252\.0\.1$/m);
    assert.equal(s1.embeddedDns, true);
    assert.equal(s2.embeddedDns, true);
    const recs = dns.listeners.get("10.252.0.1")!;
    assert.deepEqual(recs.upstreams!("10.252.0.2"), ["192.0.2.53", "192.0.2.54"]);
    assert.equal(recs.upstreams!("10.252.0.3"), undefined, "no --dns: the host's nameservers");
    assert.equal(recs.upstreams!("10.9.9.9"), undefined, "unknown client");
    assert.deepEqual(recs.lookup(plain.name, "10.252.0.2"), ["10.252.0.3"], "names still resolve for the --dns container");
    // The default bridge: the engine writes --dns itself (Docker's behaviour there).
    const onBridge = await svc.setUp(container({ bridge: {} }, { dns: ["192.0.2.53"] }));
    assert.equal(onBridge.embeddedDns, false);
  });
});

test("disconnecting the network the published ports point at moves them to the next network (same host port); the last one releases them", async () => {
  await withService({}, async ({ svc, proxy }) => {
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    await svc.create({ Name: "back", IPAM: { Config: [{ Subnet: "10.253.0.0/24" }] } });
    const c = container({ app: {}, back: {} }, { portBindings: { "80/tcp": [{ HostPort: "8080" }] }, exposedPorts: ["80/tcp"] });
    await svc.setUp(c);
    assert.deepEqual([...proxy.running.values()].map((ms) => ms.map((m) => `${m.hostPort}->${m.containerIp}`)), [["8080->10.252.0.2"]]);
    // Connecting another network changes nothing.
    await svc.connect("bridge", c, {});
    assert.deepEqual([...proxy.running.values()].map((ms) => ms.map((m) => `${m.hostPort}->${m.containerIp}`)), [["8080->10.252.0.2"]]);
    // Disconnecting a network the ports do not use changes nothing either.
    await svc.disconnect("bridge", c.id);
    assert.equal(proxy.running.size, 1);
    await svc.disconnect("app", c.id);
    assert.deepEqual([...proxy.running.values()].map((ms) => ms.map((m) => `${m.hostPort}->${m.containerIp}`)), [["8080->10.253.0.2"]], "one proxy, re-pointed");
    assert.deepEqual(svc.view(c.id, c).ports, { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }] });
    await svc.disconnect("back", c.id);
    assert.equal(proxy.running.size, 0, "no network left: no proxy");
    assert.deepEqual(svc.view(c.id, c).ports, {});
    // Connected again: the new (only) network carries the ports.
    await svc.connect("app", c, {});
    assert.deepEqual([...proxy.running.values()].map((ms) => ms.map((m) => `${m.hostPort}->${m.containerIp.slice(0, 9)}`)), [["8080->10.252.0."]]);
    await svc.tearDown(c.id);
    assert.equal(proxy.running.size, 0);
  });
});

test("DNAT mode: disconnecting the first network rewrites the rules to the next network's address", async () => {
  await withService({ userlandProxy: false }, async ({ svc, ops }) => {
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    await svc.create({ Name: "back", IPAM: { Config: [{ Subnet: "10.253.0.0/24" }] } });
    const c = container({ app: {}, back: {} }, { portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "0" }] } });
    await svc.setUp(c);
    const port = svc.view(c.id, c).ports["80/tcp"]![0]!.HostPort;
    assert.ok(ops.nftText.includes(`tcp dport ${port} dnat ip to 10.252.0.2:80`));
    await svc.disconnect("app", c.id);
    assert.ok(ops.nftText.includes(`tcp dport ${port} dnat ip to 10.253.0.2:80`), ops.nftText);
    assert.ok(!ops.nftText.includes("10.252.0.2"));
    await svc.disconnect("back", c.id);
    assert.ok(!ops.nftText.includes("dnat"));
    await svc.tearDown(c.id);
  });
});

test("forceDisconnect: the stale endpoint of a gone container is deleted by name, id or prefix; its last one takes netns and proxy along", async () => {
  await withService({}, async ({ svc, ops, proxy }) => {
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    const c = container({ app: {}, bridge: {} }, { portBindings: { "80/tcp": [{ HostPort: "8080" }] }, exposedPorts: ["80/tcp"] });
    const other = container({ app: {} });
    await svc.setUp(c);
    await svc.setUp(other);
    await assert.rejects(svc.forceDisconnect("app", "nope"), (e) => isEngineError(e, "NotFound") && e.message === "endpoint nope not found in network app");
    await svc.forceDisconnect("app", c.name);
    assert.ok(!svc.inspect("app").Containers[c.id]);
    assert.ok(svc.netnsPath(c.id), "another endpoint remains: the netns stays");
    assert.deepEqual([...proxy.running.values()].map((ms) => ms.map((m) => m.containerIp)), [["172.17.0.2"]], "ports moved to the remaining network");
    await svc.forceDisconnect("bridge", c.id.slice(0, 12));
    assert.equal(svc.netnsPath(c.id), undefined);
    assert.equal(proxy.running.size, 0);
    assert.equal(ops.veths.size, 1, "only the other container's veth is left");
    assert.ok(svc.inspect("app").Containers[other.id]);
    await svc.tearDown(other.id);
  });
});

test("a port proxy is recorded as soon as it exists: a daemon dying before its bind report leaves a record restore stops it by", async () => {
  await withService({}, async ({ svc, reopen, db }) => {
    const stopped: number[] = [];
    let spawnedAt: ((h: { pid: number; startTime: string }) => void) | undefined;
    const hanging = {
      // The proxy exists, but its report never comes (the daemon dies meanwhile).
      start: (_m: unknown, onSpawn?: (h: { pid: number; startTime: string }) => void) => {
        spawnedAt = onSpawn;
        onSpawn?.({ pid: 4242, startTime: "777" });
        return new Promise<never>(() => {});
      },
      stop: async (h: { pid: number }) => void stopped.push(h.pid),
      alive: async (h: { pid: number }) => !stopped.includes(h.pid),
    };
    const before = await reopen({ portProxy: hanging as never });
    const c = container({ bridge: {} }, { portBindings: { "80/tcp": [{ HostPort: "8080" }] }, exposedPorts: ["80/tcp"] });
    void before.setUp(c);
    await new Promise((r) => setImmediate(r));
    assert.ok(spawnedAt, "the proxy was started");
    const row = db.prepare("SELECT ports FROM container_netns WHERE container_id = ?").get(c.id) as { ports: string };
    assert.deepEqual(JSON.parse(row.ports).proxy, { pid: 4242, startTime: "777" });
    // The restarted daemon: the container never ran, so its network (and the proxy) goes.
    const after = await reopen({ portProxy: hanging as never });
    await after.restore([]);
    assert.deepEqual(stopped, [4242]);
    assert.equal(after.netnsPath(c.id), undefined);
    void svc;
  });
});

test("a proxy that fails after it was recorded leaves no record and nothing running", async () => {
  await withService({}, async ({ svc, proxy }) => {
    proxy.failAfterSpawn = new Error("start port proxy: injected");
    const c = container({ bridge: {} }, { portBindings: { "80/tcp": [{ HostPort: "8080" }] }, exposedPorts: ["80/tcp"] });
    await assert.rejects(svc.setUp(c), /injected/);
    assert.equal(proxy.spawned.length, 1);
    assert.equal(proxy.running.size, 0);
    assert.equal(svc.netnsPath(c.id), undefined);
  });
});

test("a restart with another --icc applies it to the idle default bridge (isolated veths follow)", async () => {
  await withService({}, async ({ reopen, ops }) => {
    const strict = await reopen({ icc: false, defaultBridge: { name: "berth0", cidr: "172.17.0.1/16" } });
    assert.equal(strict.inspect("bridge").Options["com.docker.network.bridge.enable_icc"], "false");
    const c = container({ bridge: {} });
    await strict.setUp(c);
    assert.equal([...ops.veths.values()].at(-1)!.isolated, true);
    // Busy: the flag cannot change the bridge under a running container (logged, kept).
    const busy = await reopen({ icc: true, defaultBridge: { name: "berth0", cidr: "172.17.0.1/16" } });
    assert.equal(busy.inspect("bridge").Options["com.docker.network.bridge.enable_icc"], "false");
    await busy.tearDown(c.id);
    const open = await reopen({ icc: true });
    assert.equal(open.inspect("bridge").Options["com.docker.network.bridge.enable_icc"], "true");
  });
});

test("restore stops a port proxy forwarding into its networks that no record names; others' proxies stay", async () => {
  await withService({}, async ({ svc, proxy, reopen, logs }) => {
    const c = container({ bridge: {} }, { portBindings: { "80/tcp": [{ HostPort: "8080" }] }, exposedPorts: ["80/tcp"] });
    await svc.setUp(c);
    // An orphan into the default bridge's subnet, and a proxy of something else entirely.
    const orphan = await proxy.start([{ proto: "tcp", hostIp: "0.0.0.0", hostPort: "9090", containerIp: "172.17.0.77", containerPort: 80 }]);
    const foreign = await proxy.start([{ proto: "tcp", hostIp: "0.0.0.0", hostPort: "9091", containerIp: "10.99.0.5", containerPort: 80 }]);
    const again = await reopen();
    await again.restore([c]);
    assert.ok(!proxy.running.has(orphan.pid), "the unrecorded proxy is stopped");
    assert.ok(proxy.running.has(foreign.pid), "not forwarding into our networks: left alone");
    assert.equal(proxy.running.size, 2, "the container's own proxy is kept");
    assert.ok(logs.some((l) => l.includes(`stopping port proxy ${orphan.pid}`)));
    await again.tearDown(c.id);
  });
});
