import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RecordingNetOps } from "./testing/RecordingNetOps.js";
import { EngineError, isEngineError } from "../errors/EngineError.js";
import { container, withService, type Harness } from "./testing/serviceHarness.js";
import { NetnsPool, POOL_DIR, pooledHostVeth } from "./NetnsPool.js";
import { hostVethName } from "./bridge/endpointNames.js";

/** Waits (polling) until `cond` holds; fails after 3 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const poolDir = (h: Harness) => join(h.options.execRoot, POOL_DIR);
const poolFiles = (h: Harness) => readdirSync(poolDir(h));
const pooledVeths = (h: Harness) => [...h.ops.veths.values()].filter((v) => v.cidr === "");

test("the pool fills after restore with veths of the default bridge; a start takes one and only configures it", async () => {
  await withService({ netnsPool: 2 }, async (h) => {
    const { svc, ops, options } = h;
    assert.equal(poolFiles(h).length, 0, "nothing before restore");
    await svc.restore([]);
    await until(() => pooledVeths(h).length === 2, "two pooled veths");
    assert.equal(poolFiles(h).length, 2);
    const prepared = ops.calls.filter((c) => c.op === "vethPrepare").map((c) => c.args[0] as { ifName: string; mtu: number; routeMtu: number });
    // The default bridge's link MTU and route MTU (bridge/mtu.ts); on no bridge until taken.
    assert.deepEqual(prepared.map((p) => [p.ifName, p.mtu, p.routeMtu]), [["eth0", 65520, 1500], ["eth0", 65520, 1500]]);
    assert.deepEqual(pooledVeths(h).map((v) => v.bridge), ["", ""]);

    const before = ops.calls.length;
    const c = container({ bridge: {} });
    const setup = await svc.setUp(c);
    const asked = ops.calls.slice(before).map((x) => x.op);
    assert.ok(!asked.includes("netnsCreate") && !asked.includes("vethAdd"), `start made nothing new: ${asked.join(",")}`);
    assert.deepEqual(asked.filter((x) => x === "vethTake"), ["vethTake"]);
    // The container's usual path, linking to the pooled netns, so nothing else changes.
    assert.equal(setup.netnsPath, join(options.execRoot, "netns", c.id));
    assert.equal(svc.netnsPath(c.id), setup.netnsPath);
    // The endpoint is the pooled one: its id names the host end and the pool file.
    const ep = svc.view(c.id, c).networks.bridge!;
    const pooledFile = join(poolDir(h), ep.EndpointID!);
    assert.equal(readlinkSync(setup.netnsPath), pooledFile);
    const v = ops.veths.get(hostVethName(ep.EndpointID!))!;
    assert.deepEqual([v.bridge, v.cidr, v.gateway, v.mac, v.netnsPath, v.isolated], ["berth0", "172.17.0.2/16", "172.17.0.1", "02:42:ac:11:00:02", pooledFile, false]);

    // Refilled in the background; the taken namespace is the container's and goes with it.
    await until(() => pooledVeths(h).length === 2, "the refill");
    await svc.tearDown(c.id);
    assert.ok(!ops.netns.has(pooledFile) && !existsSync(pooledFile), "the pooled netns went with the container");
    assert.ok(!existsSync(setup.netnsPath));
    assert.ok(!ops.veths.has(v.hostName));
    assert.equal(poolFiles(h).length, 2);

    await svc.close();
    assert.equal(poolFiles(h).length, 0, "close deletes the pool");
    assert.equal(ops.veths.size, 0);
    assert.equal(ops.netns.size, 0);
  });
});

test("a start on another network takes a bare namespace or makes one; the pool then follows that network", async () => {
  await withService({ netnsPool: 2 }, async (h) => {
    const { svc, ops } = h;
    const app = await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    await svc.restore([]);
    await until(() => pooledVeths(h).length === 2, "the pool");
    const c = container({ app: {} });
    const before = ops.calls.length;
    await svc.setUp(c);
    // No fitting entry and no bare one: a new namespace and veth, as without a pool.
    assert.deepEqual(ops.calls.slice(before).filter((x) => /^(netnsCreate|vethAdd|vethTake|netnsAdopt)$/.test(x.op)).map((x) => x.op), ["netnsCreate", "vethAdd"]);
    // The pool swaps its default-bridge veths for app's, in idle time.
    const forApp = () => ops.calls.filter((x) => x.op === "vethPrepare").slice(2).map((x) => (x.args[0] as { hostName: string }).hostName);
    await until(() => pooledVeths(h).length === 2 && pooledVeths(h).every((v) => forApp().includes(v.hostName)), "veths of app");
    const d = container({ app: {} });
    const mark = ops.calls.length;
    await svc.setUp(d);
    assert.ok(ops.calls.slice(mark).some((x) => x.op === "vethTake"));
    const dv = [...ops.veths.values()].find((v) => v.netnsPath === ops.real(svc.netnsPath(d.id)!))!;
    assert.equal(dv.bridge, `br-${app.Id.slice(0, 12)}`);
    // A second network's endpoint is never a pooled one (eth1 is made as always).
    await svc.tearDown(c.id);
    await svc.tearDown(d.id);
    await svc.close();
    assert.equal(ops.veths.size, 0);
    assert.equal(ops.netns.size, 0);
  });
});

test("network rm is not refused for pooled veths: they go first; with no network left there is no pool", async () => {
  await withService({ netnsPool: 2, defaultBridge: null }, async (h) => {
    const { svc, ops } = h;
    await svc.restore([]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(poolFiles(h).length, 0, "no bridge network: no pool");
    const app = await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.0.0/24" }] } });
    const c = container({ app: {} });
    await svc.setUp(c);
    await svc.tearDown(c.id);
    await until(() => pooledVeths(h).length === 2, "veths of app");
    await svc.remove(app.Id);
    assert.equal(ops.veths.size, 0, "the pooled veths went with the network");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(poolFiles(h).length, 0, "no network left: no pool");
    await svc.close();
  });
});

test("a failed take does not fail the start: the helper deleted the pair, a new one is made", async () => {
  await withService({ netnsPool: 1 }, async (h) => {
    const { svc, ops } = h;
    await svc.restore([]);
    await until(() => pooledVeths(h).length === 1, "the pool");
    ops.failOn("vethTake", 1, new EngineError("Internal", "veth_take: injected"));
    const c = container({ bridge: {} });
    const setup = await svc.setUp(c);
    assert.ok(ops.calls.some((x) => x.op === "vethAdd"));
    const ep = svc.view(c.id, c).networks.bridge!;
    const v = ops.veths.get(hostVethName(ep.EndpointID!))!;
    assert.deepEqual([v.bridge, v.cidr, v.netnsPath], ["berth0", "172.17.0.2/16", ops.real(setup.netnsPath)]);
    assert.ok(h.logs.some((l) => /pooled veth .*injected.*making a new one/.test(l)));
    await svc.tearDown(c.id);
    await svc.close();
    assert.equal(ops.veths.size, 0);
    assert.equal(ops.netns.size, 0);
  });
});

test("restore sweeps a killed daemon's pool files and their veths, but not a veth a running container owns", async () => {
  await withService({}, async (h) => {
    const { svc, ops } = h;
    // A running container whose pooled file was not deleted yet when the daemon died ...
    const c = container({ bridge: {} });
    await svc.setUp(c);
    const owned = svc.view(c.id, c).networks.bridge!.EndpointID!;
    await ops.netnsCreate(join(poolDir(h), owned));
    // ... and a pool entry that was never taken.
    const id = "ab".repeat(32);
    const path = join(poolDir(h), id);
    await ops.netnsCreate(path);
    await ops.vethPrepare({ hostName: hostVethName(id), netnsPath: path, ifName: "eth0", mtu: 1500 });
    assert.equal(pooledHostVeth(id), hostVethName(id));
    const again = await h.reopen({ netnsPool: 2 });
    await again.restore([c]);
    assert.ok(!ops.netns.has(path) && !ops.netns.has(join(poolDir(h), owned)));
    assert.ok(!ops.veths.has(hostVethName(id)));
    assert.ok(ops.veths.has(hostVethName(owned)), "the running container's veth stays");
    await until(() => pooledVeths(h).length === 2, "the new pool");
    await again.tearDown(c.id);
    await again.close();
    assert.equal(ops.netns.size, 0);
    assert.equal(ops.veths.size, 0);
  });
});

test("live restore: a daemon stop deletes the pool but not a running container's pooled netns; the next restore adopts it", async () => {
  await withService({ netnsPool: 2 }, async (h) => {
    const { svc, ops } = h;
    await svc.restore([]);
    await until(() => pooledVeths(h).length === 2, "the pool");
    const c = container({ bridge: {} });
    const setup = await svc.setUp(c);
    const file = readlinkSync(setup.netnsPath);
    await until(() => pooledVeths(h).length === 2, "the refill");
    await svc.close();
    assert.deepEqual(poolFiles(h), [file.split("/").pop()], "only the container's pooled netns is left");
    assert.ok(ops.netns.has(file) && existsSync(setup.netnsPath));
    assert.equal([...ops.veths.values()].filter((v) => v.cidr === "").length, 0, "no pooled veth left");
    const again = await h.reopen({ netnsPool: 2 });
    await again.restore([c]);
    assert.ok(ops.netns.has(file), "a running container's pooled netns is not swept");
    assert.equal(again.netnsPath(c.id), setup.netnsPath);
    await again.tearDown(c.id);
    assert.ok(!ops.netns.has(file) && !existsSync(setup.netnsPath));
    await again.close();
    assert.equal(ops.netns.size, 0);
    assert.equal(ops.veths.size, 0);
  });
});

test("a failed start gives its pooled namespace and veth back to nobody: both deleted", async () => {
  await withService({ netnsPool: 1 }, async (h) => {
    const { svc, ops } = h;
    await svc.restore([]);
    await until(() => pooledVeths(h).length === 1, "the pool");
    const [entry] = pooledVeths(h);
    ops.failOn("vethTake", 1, new EngineError("Internal", "vethTake: injected"));
    ops.failOn("vethAdd", 1);
    const c = container({ bridge: {} });
    await assert.rejects(svc.setUp(c), (e) => isEngineError(e, "Internal") && /vethAdd: injected/.test(e.message));
    assert.ok(!existsSync(join(h.options.execRoot, "netns", c.id)));
    assert.ok(!ops.veths.has(entry!.hostName));
    assert.ok(!ops.netns.has(entry!.netnsPath), "the taken pooled netns is deleted, not given back");
    assert.equal(svc.netnsPath(c.id), undefined);
    await svc.close();
  });
});

test("no refill while set-ups or tear-downs run, nor within the quiet time after; never more than one at a time", async () => {
  const ops = new RecordingNetOps();
  const dir = await mkdtemp(join(tmpdir(), "berth-test-pool-"));
  try {
    // Without pooled-veth operations (an older helper): bare namespaces.
    const pool = new NetnsPool({ ops, dir, size: 3, quietMs: 30, wanted: () => true, vethTarget: () => undefined, keyOf: () => undefined, log: () => {} });
    const end = pool.busy("tearDown");
    pool.start();
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(ops.count("netnsCreate"), 0, "nothing while busy");
    end();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(ops.count("netnsCreate"), 0, "nothing within the quiet time");
    await until(() => pool.entries().length === 3, "the pool");
    assert.ok(pool.entries().every((e) => !e.veth));
    // One at a time: every create was answered before the next was asked for.
    let inFlight = 0;
    let most = 0;
    const create = ops.netnsCreate.bind(ops);
    ops.netnsCreate = async (p: string) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      try { await create(p); } finally { inFlight--; }
    };
    for (let i = 0; i < 3; i++) assert.ok(pool.take());
    assert.equal(pool.take(), undefined, "empty: the caller makes its own");
    await until(() => pool.entries().length === 3, "the refill");
    assert.equal(most, 1);
    await pool.close();
    assert.equal(ops.netns.size - 3, 0, "only the three taken remain (the caller's)");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a finished start ends its set-up's settle time: starts back to back still leave the pool its refill", async () => {
  const ops = new RecordingNetOps();
  const dir = await mkdtemp(join(tmpdir(), "berth-test-pool-"));
  try {
    const pool = new NetnsPool({ ops, dir, size: 1, quietMs: 5, settleMs: 5_000, wanted: () => true, vethTarget: () => undefined, keyOf: () => undefined, log: () => {} });
    pool.start();
    await until(() => pool.entries().length === 1, "the pool");
    assert.ok(pool.take());
    pool.busy("setUp")();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(pool.entries().length, 0, "no refill within the set-up's settle time");
    pool.startFinished();
    await until(() => pool.entries().length === 1, "the refill once the start finished");
    await pool.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
