/**
 * The default route follows the container's networks: disconnecting the network that carries it
 * moves it to a remaining one (GwPriority, then attachment order; never an internal network);
 * a container left without one gets it from the next network it connects to.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { container, withService } from "./testing/serviceHarness.js";

test("disconnecting the gateway network moves the default route to the next network", async () => {
  await withService({}, async ({ svc, ops }) => {
    for (const [i, name] of ["a", "b", "c", "d"].entries()) await svc.create({ Name: name, IPAM: { Config: [{ Subnet: `10.250.${i + 1}.0/24` }] } });
    const x = container({ a: { GwPriority: 9 }, b: {}, c: { GwPriority: 5 }, d: {} });
    const setup = await svc.setUp(x);
    const veth = (ifName: string) => [...ops.veths.values()].find((v) => v.netnsPath === setup.netnsPath && v.ifName === ifName);
    assert.equal(veth("eth0")?.gateway, "10.250.1.1");
    // Not the gateway network: nothing moves.
    await svc.disconnect("d", x.id);
    assert.equal(ops.count("routeDefault"), 0);
    // The gateway network: c takes over (its GwPriority beats b's earlier attachment).
    await svc.disconnect("a", x.id);
    assert.deepEqual(ops.calls.filter((c) => c.op === "routeDefault").map((c) => c.args), [[setup.netnsPath, "eth2", "10.250.3.1", 1500]]);
    assert.equal(veth("eth2")?.gateway, "10.250.3.1");
    assert.equal(veth("eth1")?.gateway, "");
    assert.equal(svc.view(x.id, x).networks.c!.Gateway, "10.250.3.1");
    // And then b, the earliest left.
    await svc.disconnect("c", x.id);
    assert.deepEqual(ops.calls.filter((c) => c.op === "routeDefault").at(-1)?.args, [setup.netnsPath, "eth1", "10.250.2.1", 1500]);
    await svc.tearDown(x.id);
  });
});

test("internal networks never carry the default route; a later connect brings one", async () => {
  await withService({}, async ({ svc, ops, logs }) => {
    await svc.create({ Name: "a", IPAM: { Config: [{ Subnet: "10.250.4.0/24" }] } });
    await svc.create({ Name: "in", Internal: true, IPAM: { Config: [{ Subnet: "10.250.5.0/24" }] } });
    await svc.create({ Name: "b", IPAM: { Config: [{ Subnet: "10.250.6.0/24" }] } });
    const x = container({ a: {}, in: {} });
    const setup = await svc.setUp(x);
    await svc.disconnect("a", x.id);
    assert.equal(ops.count("routeDefault"), 0, "only an internal network is left");
    await svc.connect("b", x, {});
    const added = [...ops.veths.values()].find((v) => v.netnsPath === setup.netnsPath && v.cidr.startsWith("10.250.6."));
    assert.equal(added?.gateway, "10.250.6.1", "the new network carries the default route");
    // A route operation that fails is logged; the disconnect itself stands.
    await svc.connect("a", x, {});
    ops.failOn("routeDefault");
    await svc.disconnect("b", x.id);
    assert.ok(logs.some((l) => /^error: default route of .*moving it to 10\.250\.4\.1/.test(l)), logs.join("\n"));
    assert.deepEqual(Object.keys(svc.view(x.id, x).networks).sort(), ["a", "in"]);
    await svc.tearDown(x.id);
  });
});

test("at start the default route goes through the highest GwPriority, else the first non-internal network", async () => {
  await withService({}, async ({ svc, ops, proxy }) => {
    await svc.create({ Name: "in", Internal: true, IPAM: { Config: [{ Subnet: "10.250.7.0/24" }] } });
    await svc.create({ Name: "a", IPAM: { Config: [{ Subnet: "10.250.8.0/24" }] } });
    await svc.create({ Name: "b", IPAM: { Config: [{ Subnet: "10.250.9.0/24" }] } });
    const routes = async (eps: Record<string, object>) => {
      const x = container(eps, { exposedPorts: ["80/tcp"], portBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } });
      const setup = await svc.setUp(x);
      const got = [...ops.veths.values()].filter((v) => v.netnsPath === setup.netnsPath).map((v) => `${v.ifName}:${v.gateway}`);
      // The published port goes to the gateway network's address.
      const ports = [...proxy.running.values()].flat().map((m) => m.containerIp);
      await svc.tearDown(x.id);
      return { got, ports };
    };
    // The internal mode network has no gateway: the next network carries the route (and the ports).
    assert.deepEqual(await routes({ in: {}, a: {}, b: {} }), { got: ["eth0:", "eth1:10.250.8.1", "eth2:"], ports: ["10.250.8.2"] });
    assert.deepEqual((await routes({ a: {}, b: { GwPriority: 1 } })).got, ["eth0:", "eth1:10.250.9.1"]);
    assert.deepEqual((await routes({ a: { GwPriority: -1 }, b: {} })).got, ["eth0:", "eth1:10.250.9.1"]);
    assert.deepEqual(await routes({ in: {} }), { got: ["eth0:"], ports: ["10.250.7.3"] });
  });
});

test("connect with a higher GwPriority takes the default route over; a failed move fails the connect, undone", async () => {
  await withService({}, async ({ svc, ops }) => {
    await svc.create({ Name: "a", IPAM: { Config: [{ Subnet: "10.250.10.0/24" }] } });
    await svc.create({ Name: "b", IPAM: { Config: [{ Subnet: "10.250.11.0/24" }] } });
    await svc.create({ Name: "c", IPAM: { Config: [{ Subnet: "10.250.12.0/24" }] } });
    const x = container({ a: { GwPriority: 1 } });
    const setup = await svc.setUp(x);
    const gateways = () => [...ops.veths.values()].filter((v) => v.netnsPath === setup.netnsPath).map((v) => `${v.ifName}:${v.gateway}`).sort();
    // Equal priority: the route stays.
    await svc.connect("b", x, { GwPriority: 1 });
    assert.equal(ops.count("routeDefault"), 0);
    assert.deepEqual(gateways(), ["eth0:10.250.10.1", "eth1:"]);
    // A failed move: the connect fails and leaves nothing (the route never moved).
    ops.failOn("routeDefault");
    await assert.rejects(svc.connect("c", x, { GwPriority: 2 }), /routeDefault: injected failure/);
    ops.clearFailures();
    assert.deepEqual(gateways(), ["eth0:10.250.10.1", "eth1:"]);
    assert.deepEqual(Object.keys(svc.view(x.id, x).networks), ["a", "b"]);
    // Higher: c carries it now, a no longer (records and kernel).
    await svc.connect("c", x, { GwPriority: 2 });
    assert.deepEqual(gateways(), ["eth0:", "eth1:", "eth2:10.250.12.1"]);
    // Disconnecting c hands it back to a (same priority as b, attached earlier).
    await svc.disconnect("c", x.id);
    assert.deepEqual(gateways(), ["eth0:10.250.10.1", "eth1:"]);
    await svc.tearDown(x.id);
  });
});
