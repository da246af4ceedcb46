/**
 * Legacy links on user-defined networks: parsing, and the resolver answering a link alias to
 * the linking container only, on the link's network only, resolved at query time.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../errors/EngineError.js";
import { container, withService } from "./testing/serviceHarness.js";
import { linkTarget, parseLink } from "./links.js";
import { NetworkStore } from "./NetworkStore.js";

test("parseLink: name:alias, name alone, the /name:/parent/alias form; bad formats refused", () => {
  assert.deepEqual(parseLink("db:database"), { name: "db", alias: "database" });
  assert.deepEqual(parseLink("db"), { name: "db", alias: "db" });
  assert.deepEqual(parseLink("/db:/web/database"), { name: "db", alias: "database" });
  for (const bad of ["", "a:b:c", ":x", "x:"]) {
    assert.throws(() => parseLink(bad), (e) => isEngineError(e, "InvalidArgument") && /links/.test(e.message), bad);
  }
});

test("linkTarget: bare or qualified with the network's name, case-insensitive", () => {
  const links = [{ name: "First", alias: "Foo" }];
  assert.equal(linkTarget(links, "net1", "foo"), "first");
  assert.equal(linkTarget(links, "net1", "foo.net1"), "first");
  assert.equal(linkTarget(links, "net1", "foo.net2"), undefined);
  assert.equal(linkTarget(links, "net1", "first"), undefined);
  assert.equal(linkTarget(undefined, "net1", "foo"), undefined);
});

test("a link alias resolves for the linking container only, on its network, once the target is there", async () => {
  await withService({}, async ({ svc, dns }) => {
    await svc.create({ Name: "net1", IPAM: { Config: [{ Subnet: "10.251.1.0/24" }] } });
    await svc.create({ Name: "net2", IPAM: { Config: [{ Subnet: "10.251.2.0/24" }] } });
    const first = container({ net1: {} }, { name: "first" });
    // A link to a container that does not exist yet is accepted (Docker's behaviour).
    const second = container({ net1: { Links: ["first:foo", "third:bar"] }, net2: { Links: ["first:foo2"] } }, { name: "second" });
    const other = container({ net1: {} }, { name: "other" });
    for (const c of [first, second, other]) await svc.setUp(c);
    const net1 = dns.listeners.get("10.251.1.1")!;
    const [firstIp, secondIp, otherIp] = ["10.251.1.2", "10.251.1.3", "10.251.1.4"];
    assert.deepEqual(net1.lookup("foo", secondIp), [firstIp]);
    assert.deepEqual(net1.lookup("foo.net1", secondIp), [firstIp]);
    assert.deepEqual(net1.lookup("first", secondIp), [firstIp]);
    // Not for another container of the network, nor for an unknown client.
    assert.deepEqual(net1.lookup("foo", otherIp), []);
    assert.deepEqual(net1.lookup("foo"), []);
    // foo2 is a link on net2, where first is not: nothing.
    assert.deepEqual(net1.lookup("foo2", secondIp), []);
    // bar: third is missing, so nothing, until it starts.
    assert.deepEqual(net1.lookup("bar", secondIp), []);
    const third = container({ net1: {} }, { name: "third" });
    await svc.setUp(third);
    assert.deepEqual(net1.lookup("bar", secondIp), ["10.251.1.5"]);
    // first joins net2: the net2 link resolves there (asked through net1, the client's resolver).
    await svc.connect("net2", first, {});
    assert.deepEqual(net1.lookup("foo2", secondIp), ["10.251.2.3"]);
    // A link alias hides a container of the same name on that network (moby: the link's).
    await svc.tearDown(third.id);
    const bar = container({ net1: {} }, { name: "bar" });
    await svc.setUp(bar);
    assert.deepEqual(net1.lookup("bar", secondIp), []);
    const barIp = svc.view(bar.id, bar).networks.net1!.IPAddress;
    assert.deepEqual(net1.lookup("bar", otherIp), [barIp]);
    // Inspect shows the links as given.
    assert.deepEqual(svc.view(second.id, second).networks.net1!.Links, ["first:foo", "third:bar"]);
    for (const c of [first, second, other, bar]) await svc.tearDown(c.id);
  });
});

test("links on the default bridge are refused; a bad link format is refused at create", async () => {
  await withService({}, async ({ svc }) => {
    await svc.create({ Name: "net1", IPAM: { Config: [{ Subnet: "10.251.3.0/24" }] } });
    assert.throws(() => svc.validate("bridge", { bridge: { Links: ["a:b"] } }, {}, []), (e) => isEngineError(e, "NotImplemented"));
    assert.throws(() => svc.validate("net1", { net1: { Links: ["a:b:c"] } }, {}, []), (e) => isEngineError(e, "InvalidArgument") && /bad format for links: a:b:c/.test(e.message));
    assert.deepEqual(svc.validate("net1", { net1: { Links: ["a:b"] } }, {}, []).net1!.Links, ["a:b"]);
  });
});

test("an endpoint recorded without parsed links (before berth served them) answers from its config", async () => {
  await withService({}, async ({ svc, dns, db }) => {
    await svc.create({ Name: "net1", IPAM: { Config: [{ Subnet: "10.251.4.0/24" }] } });
    const first = container({ net1: {} }, { name: "first" });
    const second = container({ net1: { Links: ["first:foo"] } }, { name: "second" });
    for (const c of [first, second]) await svc.setUp(c);
    const store = new NetworkStore(db);
    const [ep] = store.endpointsOfContainer(second.id);
    const { links: _dropped, ...old } = ep!;
    store.updateEndpoint(old);
    assert.equal(store.endpointsOfContainer(second.id)[0]!.links, undefined);
    assert.deepEqual(dns.listeners.get("10.251.4.1")!.lookup("foo", ep!.ip), ["10.251.4.2"]);
    for (const c of [first, second]) await svc.tearDown(c.id);
  });
});
