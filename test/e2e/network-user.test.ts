/**
 * User-defined networks end to end with the real docker CLI: create/ls/inspect/rm/prune with
 * Docker's fields and errors, names and aliases resolved by berthd's DNS, --ip, isolation
 * between networks, --internal, connect/disconnect of running and stopped containers.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { bridgePorts, daemonSkipReason, nftTables, type TestDaemon } from "../helpers/daemon.js";
import { inspect, withDaemon } from "./network-support.js";

const skip = daemonSkipReason() ?? false;

/** A /24 of the daemon's own pool (so it cannot collide with another test daemon's networks). */
function subnetOf(d: TestDaemon, index: number): string {
  const [a, b, c] = d.pool.split("/")[0].split(".").map(Number);
  return `${a}.${b}.${c + index}.0/24`;
}

const ping = (d: TestDaemon, from: string, to: string) => d.docker(["exec", from, "ping", "-c", "1", "-W", "1", to]);

test("network create, ls, inspect, rm, prune: Docker's fields and errors", { skip }, async () => {
  await withDaemon(async (d) => {
    const subnet = subnetOf(d, 15);
    const gw = subnet.replace(/0\/24$/, "1");
    const id = await d.ok(["network", "create", "--subnet", subnet, "--label", "berth-test=1", "berth-test-n1"]);
    assert.match(id, /^[0-9a-f]{64}$/);
    const n = JSON.parse(await d.ok(["network", "inspect", "berth-test-n1"]))[0];
    assert.equal(n.Name, "berth-test-n1");
    assert.equal(n.Id, id);
    assert.equal(n.Driver, "bridge");
    assert.equal(n.Scope, "local");
    assert.equal(n.Internal, false);
    assert.deepEqual(n.Labels, { "berth-test": "1" });
    assert.equal(n.IPAM.Driver, "default");
    assert.equal(n.IPAM.Config[0].Subnet, subnet);
    assert.equal(n.IPAM.Config[0].Gateway, gw);
    assert.deepEqual(n.Containers, {});
    assert.ok(nftTables().includes(`table inet ${d.nftTable}`), "the daemon's rules are in its own table");
    const ls = await d.ok(["network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"]);
    assert.deepEqual(ls.split("\n").sort(), ["berth-test-n1 bridge local", "bridge bridge local", "host host local", "none null local"]);
    assert.equal(await d.ok(["network", "ls", "-q", "--no-trunc", "--filter", "label=berth-test=1"]), id);
    // Without --subnet: the daemon's pool.
    const auto = JSON.parse(await d.ok(["network", "inspect", await d.ok(["network", "create", "berth-test-auto"])]))[0];
    assert.ok(auto.IPAM.Config[0].Subnet.startsWith(d.pool.split(".").slice(0, 2).join(".")), `${auto.IPAM.Config[0].Subnet} from pool ${d.pool}`);

    const dup = await d.docker(["network", "create", "berth-test-n1"]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /network with name berth-test-n1 already exists/);
    const overlap = await d.docker(["network", "create", "--subnet", subnet, "berth-test-n2"]);
    assert.equal(overlap.code, 1);
    assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
    const bad = await d.docker(["network", "create", "--subnet", "10.1.2.300/24", "berth-test-bad"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid/i);

    const c = await d.ok(["run", "-d", "--network", "berth-test-n1", "--name", "berth-test-c1", "busybox", "sleep", "300"]);
    const withC = JSON.parse(await d.ok(["network", "inspect", "berth-test-n1"]))[0];
    assert.equal(withC.Containers[c].Name, "berth-test-c1");
    assert.match(withC.Containers[c].IPv4Address, new RegExp(`^${subnet.split(".").slice(0, 3).join("\\.")}\\.\\d+/24$`));
    const inUse = await d.docker(["network", "rm", "berth-test-n1"]);
    assert.notEqual(inUse.code, 0);
    assert.match(inUse.stderr, /has active endpoints/);
    const missing = await d.docker(["network", "rm", "berth-test-no-such-net"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found/);

    // prune takes the unused network only.
    const pruned = await d.ok(["network", "prune", "-f"]);
    assert.match(pruned, /berth-test-auto/);
    assert.doesNotMatch(pruned, /berth-test-n1/);
    await d.ok(["rm", "-f", c]);
    await d.ok(["network", "rm", "berth-test-n1"]);
    assert.equal(await d.ok(["network", "ls", "-q", "--filter", "label=berth-test=1"]), "");
  });
});

test("names and aliases resolve on a user network; --ip; isolation from another network; --internal", { skip }, async () => {
  await withDaemon(async (d) => {
    const s1 = subnetOf(d, 1);
    const prefix = s1.split(".").slice(0, 3).join(".");
    await d.ok(["network", "create", "--subnet", s1, "berth-test-a"]);
    await d.ok(["network", "create", "--subnet", subnetOf(d, 2), "berth-test-b"]);
    await d.ok(["network", "create", "--subnet", subnetOf(d, 3), "--internal", "berth-test-int"]);
    const one = await d.ok(["run", "-d", "--network", "berth-test-a", "--name", "berth-test-one", "busybox", "sleep", "300"]);
    const two = await d.ok(["run", "-d", "--network", "berth-test-a", "--name", "berth-test-two", "--network-alias", "bee", "--ip", `${prefix}.77`, "busybox", "sleep", "300"]);
    const other = await d.ok(["run", "-d", "--network", "berth-test-b", "--name", "berth-test-other", "busybox", "sleep", "300"]);
    const t = (await inspect(d, two)).NetworkSettings.Networks["berth-test-a"];
    assert.equal(t.IPAddress, `${prefix}.77`);
    assert.deepEqual(t.IPAMConfig, { IPv4Address: `${prefix}.77` });
    assert.ok(t.Aliases.includes("bee"));
    assert.equal((await inspect(d, two)).NetworkSettings.IPAddress, "", "legacy fields are the default bridge's only");

    const look = await d.ok(["exec", one, "nslookup", "berth-test-two"]);
    assert.match(look, new RegExp(`Address: ${prefix}\\.77`));
    assert.equal((await ping(d, one, "bee")).code, 0, "the alias answers");
    assert.equal((await ping(d, two, "berth-test-one")).code, 0, "and names both ways");
    // Another network is isolated: no route through the host's forwarding.
    const oneIp = (await inspect(d, one)).NetworkSettings.Networks["berth-test-a"].IPAddress;
    assert.notEqual((await ping(d, other, oneIp)).code, 0);
    assert.notEqual((await d.docker(["exec", other, "nslookup", "berth-test-one"])).code, 0, "names stay in their network");

    // Two networks at create (API 1.44): eth0 on the first (default route), eth1 on the second.
    const both = await d.ok(["run", "-d", "--network", "berth-test-a", "--network", "berth-test-b", "busybox", "sleep", "300"]);
    assert.deepEqual(Object.keys((await inspect(d, both)).NetworkSettings.Networks).sort(), ["berth-test-a", "berth-test-b"]);
    assert.match(await d.ok(["exec", both, "ip", "route"]), new RegExp(`default via ${prefix}\\.1 dev eth0`));
    const otherIp = (await inspect(d, other)).NetworkSettings.Networks["berth-test-b"].IPAddress;
    assert.equal((await ping(d, both, otherIp)).code, 0, "reaches the second network");
    await d.ok(["rm", "-f", both]);

    // --internal: its gateway's host answers nothing beyond; another host address is unreachable.
    const inner = await d.ok(["run", "-d", "--network", "berth-test-int", "busybox", "sleep", "300"]);
    assert.notEqual((await ping(d, inner, d.bip.split("/")[0])).code, 0, "the host's address on another interface");
    assert.equal((await d.ok(["exec", inner, "ip", "route"])).includes("default"), false, "no default route out");
    await d.ok(["rm", "-f", one, two, other, inner]);
    assert.deepEqual(bridgePorts(d.bridge), []);
  });
});

test("connect and disconnect: running (now, /etc/hosts in place) and stopped (its record, at the next start)", { skip }, async () => {
  await withDaemon(async (d) => {
    await d.ok(["network", "create", "--subnet", subnetOf(d, 4), "berth-test-x"]);
    const since = String(Date.now() / 1000);
    const peer = await d.ok(["run", "-d", "--network", "berth-test-x", "--name", "berth-test-peer", "busybox", "sleep", "300"]);
    const c = await d.ok(["run", "-d", "--name", "berth-test-mover", "busybox", "sleep", "300"]);
    const netId = await d.ok(["network", "inspect", "-f", "{{.Id}}", "berth-test-x"]);
    assert.notEqual((await ping(d, c, "berth-test-peer")).code, 0);
    await d.ok(["network", "connect", "--alias", "mv", "berth-test-x", "berth-test-mover"]);
    const nets = (await inspect(d, c)).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(nets).sort(), ["berth-test-x", "bridge"]);
    const xIp = nets["berth-test-x"].IPAddress;
    assert.ok(xIp);
    const peerIp = (await inspect(d, peer)).NetworkSettings.Networks["berth-test-x"].IPAddress;
    // (By address: c's resolver is its first network's, which answers that network's names only.)
    assert.equal((await ping(d, c, peerIp)).code, 0, "reaches the new network");
    assert.equal((await ping(d, peer, "mv")).code, 0, "and is found there by its alias");
    assert.match(await d.ok(["exec", c, "cat", "/etc/hosts"]), new RegExp(`^${xIp}\\t`, "m"), "its /etc/hosts has the new address");
    assert.match(await d.ok(["exec", c, "ip", "-o", "link"]), /eth1/);
    const again = await d.docker(["network", "connect", "berth-test-x", "berth-test-mover"]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already exists in network berth-test-x/);

    await d.ok(["network", "disconnect", "berth-test-x", "berth-test-mover"]);
    assert.deepEqual(Object.keys((await inspect(d, c)).NetworkSettings.Networks), ["bridge"]);
    assert.doesNotMatch(await d.ok(["exec", c, "cat", "/etc/hosts"]), new RegExp(`^${xIp}\\t`, "m"));
    assert.notEqual((await ping(d, c, peerIp)).code, 0);
    const notOn = await d.docker(["network", "disconnect", "berth-test-x", "berth-test-mover"]);
    assert.notEqual(notOn.code, 0);
    assert.match(notOn.stderr, /is not connected to network berth-test-x/);

    // A stopped container: its record only; the next start attaches it.
    await d.ok(["stop", "-t", "0", c]);
    await d.ok(["network", "connect", "berth-test-x", c]);
    const rec = (await inspect(d, c)).NetworkSettings.Networks["berth-test-x"];
    assert.equal(rec.IPAddress, "");
    await d.ok(["network", "disconnect", "bridge", c]);
    await d.ok(["start", c]);
    const started = (await inspect(d, c)).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(started), ["berth-test-x"]);
    assert.equal((await ping(d, c, "berth-test-peer")).code, 0, "its first network now: names resolve");
    // host and none are not networks one connects to.
    const host = await d.docker(["network", "connect", "host", c]);
    assert.notEqual(host.code, 0);
    assert.match(host.stderr, /container cannot be disconnected from host network or connected to host network/);

    const events = (await d.ok(["events", "--since", since, "--until", String(Date.now() / 1000), "--filter", "network=berth-test-x", "--format", "{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}"])).split("\n");
    assert.ok(events.includes(`connect ${netId} berth-test-x ${c}`), events.join("\n"));
    assert.ok(events.includes(`disconnect ${netId} berth-test-x ${c}`), events.join("\n"));
    await d.ok(["rm", "-f", c, peer]);
  });
});
