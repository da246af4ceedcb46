/** Network policies through the network service (in-memory records, RecordingNetOps). */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { isEngineError } from "../../errors/EngineError.js";
import { container, withService } from "../testing/serviceHarness.js";

const ALLOW = "berth.network.allow";

test("a policy container gets its chain before setUp returns; targets follow endpoints; tearDown removes it", async () => {
  await withService({}, async ({ dir, reopen, ops }) => {
    const nf = join(dir, "bridge-nf-call-iptables");
    await writeFile(nf, "1\n");
    await writeFile(join(dir, "bridge-nf-call-ip6tables"), "1\n");
    const svc = await reopen({ bridgeNfFile: nf });
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.7.0/24" }] } });
    const client = container({ app: {} }, { name: "client", labels: { [ALLOW]: "api:80" } });
    const api = container({ app: {} }, { name: "api" });
    const plain = container({ app: {} }, { name: "plain" });
    const chain = `allow_${client.id.slice(0, 12)}`;
    await svc.setUp(client);
    assert.ok(ops.nftText.includes(`ip saddr 10.252.7.2 jump ${chain}`));
    // api has not started: nothing but DNS is allowed.
    assert.ok(!ops.nftText.includes('comment "api:80"'));
    await svc.setUp(api);
    assert.ok(ops.nftText.includes('ip daddr 10.252.7.3 tcp dport 80 return comment "api:80"'));
    await svc.tearDown(api.id);
    assert.ok(!ops.nftText.includes('comment "api:80"'));
    await svc.tearDown(client.id);
    assert.ok(!ops.nftText.includes(chain));
    // No policy left: a plain container's set-up and tear-down do not rewrite the table.
    const before = ops.count("nft");
    await svc.setUp(plain);
    await svc.tearDown(plain.id);
    assert.equal(ops.count("nft"), before);
  });
});

test("br_netfilter: missing refuses the start with nothing made; 0 is turned on", async () => {
  await withService({}, async ({ dir, reopen, ops }) => {
    const nf = join(dir, "bridge-nf-call-iptables");
    const nf6 = join(dir, "bridge-nf-call-ip6tables");
    const svc = await reopen({ bridgeNfFile: nf });
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.8.0/24" }] } });
    const c = container({ app: {} }, { name: "client", labels: { [ALLOW]: "" } });
    await assert.rejects(svc.setUp(c), (e) => isEngineError(e, "FailedPrecondition") && /br_netfilter/.test(e.message) && /berth\.network\.allow/.test(e.message));
    assert.equal(svc.netnsPath(c.id), undefined);
    assert.equal(ops.veths.size, 0);
    await writeFile(nf, "0\n");
    // One file without the other (not a real kernel, but each is checked).
    await assert.rejects(svc.setUp(c), (e) => isEngineError(e, "FailedPrecondition") && e.message.includes(nf6));
    assert.equal(ops.veths.size, 0);
    await writeFile(nf6, "0\n");
    await svc.setUp(c);
    assert.equal(ops.sysctls.get("net.bridge.bridge-nf-call-iptables"), "1");
    assert.equal(ops.sysctls.get("net.bridge.bridge-nf-call-ip6tables"), "1");
    assert.ok(ops.nftText.includes(`allow_${c.id.slice(0, 12)}`));
    await svc.tearDown(c.id);
  });
});

test("a bad label: validate refuses it (InvalidArgument), setUp too, nothing left", async () => {
  await withService({}, async ({ svc, ops }) => {
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.9.0/24" }] } });
    assert.throws(() => svc.validate("app", undefined, {}, [], { [ALLOW]: "api:99999" }), (e) => isEngineError(e, "InvalidArgument") && /berth\.network\.allow/.test(e.message));
    assert.deepEqual(Object.keys(svc.validate("app", undefined, {}, [], { [ALLOW]: "api:80" })), ["app"]);
    const c = container({ app: {} }, { labels: { [ALLOW]: "api:99999" } });
    await assert.rejects(svc.setUp(c), (e) => isEngineError(e, "InvalidArgument"));
    assert.equal(svc.netnsPath(c.id), undefined);
    assert.equal(ops.veths.size, 0);
  });
});

test("the table cannot be written: the policy container's start is undone", async () => {
  await withService({}, async ({ svc, ops }) => {
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.10.0/24" }] } });
    const c = container({ app: {} }, { name: "client", labels: { [ALLOW]: "" } });
    ops.failOn("nft");
    await assert.rejects(svc.setUp(c), /installing its network policy/);
    assert.equal(svc.netnsPath(c.id), undefined);
    assert.equal(ops.veths.size, 0);
    assert.ok(!ops.nftText.includes("allow_"));
  });
});

test("connect and disconnect re-sync; policies survive a daemon restart and restore drops stopped ones", async () => {
  await withService({}, async ({ svc, ops, reopen }) => {
    await svc.create({ Name: "app", IPAM: { Config: [{ Subnet: "10.252.11.0/24" }] } });
    await svc.create({ Name: "other", IPAM: { Config: [{ Subnet: "10.252.12.0/24" }] } });
    const client = container({ app: {} }, { name: "client", labels: { [ALLOW]: "db:5432" } });
    const db = container({ other: {} }, { name: "db" });
    await svc.setUp(client);
    await svc.setUp(db);
    // db is on a network the client is not on: not reachable by name.
    assert.ok(!ops.nftText.includes("dport 5432"));
    await svc.connect("other", client, {});
    assert.ok(ops.nftText.includes("ip saddr { 10.252.11.2, 10.252.12.3 } jump"));
    assert.ok(ops.nftText.includes('ip daddr 10.252.12.2 tcp dport 5432 return comment "db:5432"'));
    await svc.disconnect("other", client.id);
    assert.ok(!ops.nftText.includes("dport 5432"));
    // A restart: the very first table (open) already holds the chain.
    const again = await reopen();
    assert.ok(ops.nftText.includes(`allow_${client.id.slice(0, 12)}`));
    // restore: the client is no longer running.
    await again.restore([db]);
    assert.ok(!ops.nftText.includes("allow_"));
    await again.tearDown(db.id);
  });
});
