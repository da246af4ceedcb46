/**
 * Link MTU and the default route's mtu metric as the service asks the kernel for them
 * (bridge/mtu.ts, docs/networking.md "MTU"), and berthd --mtu for the default bridge.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { container, withService } from "./testing/serviceHarness.js";
import { INTERNAL_MTU } from "./bridge/mtu.js";

test("veths: large links everywhere; the default route carries the outside MTU only when unset", async () => {
  await withService({}, async ({ svc, ops }) => {
    await svc.create({ Name: "plain", IPAM: { Config: [{ Subnet: "10.250.7.0/24" }] } });
    await svc.create({ Name: "set", Options: { "com.docker.network.driver.mtu": "1400" }, IPAM: { Config: [{ Subnet: "10.250.8.0/24" }] } });
    assert.equal(svc.inspect("plain").Options["com.docker.network.driver.mtu"], undefined, "no option the user did not set");
    assert.equal(ops.bridges.get(svc.inspect("plain").Options["com.docker.network.bridge.name"] ?? `br-${svc.inspect("plain").Id.slice(0, 12)}`)?.mtu, INTERNAL_MTU);
    const veths = () => [...ops.veths.values()];
    const a = container({ plain: {}, set: {} });
    await svc.setUp(a);
    const [p, s] = [veths().find((v) => v.ifName === "eth0")!, veths().find((v) => v.ifName === "eth1")!];
    assert.deepEqual([p.mtu, p.gateway, p.routeMtu], [INTERNAL_MTU, "10.250.7.1", 1500]);
    assert.deepEqual([s.mtu, s.gateway, s.routeMtu], [1400, "", 0]);
    // The route moving to the user-set network carries no metric.
    await svc.disconnect("plain", a.id);
    assert.deepEqual(ops.calls.filter((c) => c.op === "routeDefault").at(-1)?.args.slice(1), ["eth1", "10.250.8.1", 0]);
    await svc.tearDown(a.id);
    const b = container({ set: {} });
    await svc.setUp(b);
    assert.deepEqual([veths().at(-1)!.mtu, veths().at(-1)!.routeMtu], [1400, 0]);
    await svc.tearDown(b.id);
  });
});

test("default bridge: large links unless berthd --mtu, which is then the link MTU and shown", async () => {
  await withService({}, async ({ svc, ops, reopen }) => {
    assert.equal(svc.inspect("bridge").Options["com.docker.network.driver.mtu"], "1500");
    assert.equal(ops.bridges.get("berth0")?.mtu, INTERNAL_MTU);
    const c = container({ bridge: {} });
    await svc.setUp(c);
    assert.deepEqual([[...ops.veths.values()][0]!.mtu, [...ops.veths.values()][0]!.routeMtu], [INTERNAL_MTU, 1500]);
    await svc.tearDown(c.id);
    const again = await reopen({ mtu: 9000 });
    assert.equal(again.inspect("bridge").Options["com.docker.network.driver.mtu"], "9000");
    assert.equal(ops.bridges.get("berth0")?.mtu, 9000);
    const d = container({ bridge: {} });
    await again.setUp(d);
    assert.deepEqual([[...ops.veths.values()][0]!.mtu, [...ops.veths.values()][0]!.routeMtu], [9000, 0]);
    await again.tearDown(d.id);
    // Without --mtu again: back to the split.
    const third = await reopen({});
    assert.equal(third.inspect("bridge").Options["com.docker.network.driver.mtu"], "1500");
    assert.equal(ops.bridges.get("berth0")?.mtu, INTERNAL_MTU);
  });
});
