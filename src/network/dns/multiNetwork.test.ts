/**
 * Names across a container's networks (issue 5): the network service's records answer a client
 * by its source address with the names of every user-defined network it is attached to.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { container, withService } from "../testing/serviceHarness.js";
import type { DnsRecords } from "./localAnswer.js";

test("a container on two networks resolves names of both; others see only their own networks", async () => {
  await withService({}, async ({ svc, dns }) => {
    await svc.create({ Name: "net1", IPAM: { Config: [{ Subnet: "10.252.1.0/24" }] } });
    await svc.create({ Name: "net2", IPAM: { Config: [{ Subnet: "10.252.2.0/24" }] } });
    await svc.create({ Name: "net3", IPAM: { Config: [{ Subnet: "10.252.3.0/24" }] } });
    const a = container({ net1: {}, net2: {}, bridge: {} }, { name: "alpha" });
    const b = container({ net2: { Aliases: ["bee"] } }, { name: "beta" });
    const c = container({ net3: {} }, { name: "gamma" });
    const d = container({ net1: {} }, { name: "delta" });
    for (const x of [a, b, c, d]) await svc.setUp(x);
    const at = (gw: string): DnsRecords => {
      const r = dns.listeners.get(gw);
      assert.ok(r, `listener on ${gw}`);
      return r;
    };
    const net1 = at("10.252.1.1");
    const aOn1 = "10.252.1.2"; // alpha's address on net1 (its first network)
    const bOn2 = "10.252.2.3"; // beta's on net2 (alpha took .2)
    // alpha asks net1's resolver (its resolv.conf's) for beta, known on net2 only.
    assert.deepEqual(net1.lookup("beta", aOn1), [bOn2]);
    assert.deepEqual(net1.lookup("bee", aOn1), [bOn2]);
    assert.deepEqual(net1.lookup("beta.net2", aOn1), [bOn2]);
    assert.deepEqual(net1.lookup("beta.net1", aOn1), []);
    assert.equal(net1.reverse(bOn2, aOn1), "beta.net2");
    // The receiving network first: delta is on net1 only.
    assert.deepEqual(net1.lookup("delta", aOn1), ["10.252.1.3"]);
    // Not a network alpha is on: gamma stays unknown to it.
    assert.deepEqual(net1.lookup("gamma", aOn1), []);
    assert.equal(net1.reverse("10.252.3.2", aOn1), undefined);
    // delta (net1 only) does not see net2's names; an unknown client gets net1's own names.
    assert.deepEqual(net1.lookup("beta", "10.252.1.3"), []);
    assert.deepEqual(net1.lookup("beta", "10.9.9.9"), []);
    assert.deepEqual(net1.lookup("beta"), []);
    assert.deepEqual(net1.lookup("alpha"), [aOn1]);
    // alpha's own name on net1 answers net1's address, not the other networks'.
    assert.deepEqual(net1.lookup("alpha", aOn1), [aOn1]);
    // beta asking net2 resolves alpha there (net2 address).
    assert.deepEqual(at("10.252.2.1").lookup("alpha", bOn2), ["10.252.2.2"]);
    // After a disconnect, alpha no longer sees net2's names.
    await svc.disconnect("net2", a.id);
    assert.deepEqual(net1.lookup("beta", aOn1), []);
    for (const x of [a, b, c, d]) await svc.tearDown(x.id);
    assert.deepEqual(net1.lookup("alpha", aOn1), []);
  });
});
