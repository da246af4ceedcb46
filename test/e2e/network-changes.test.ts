/**
 * Changes to running containers' networking with the real docker CLI: a rename is answered by
 * DNS at once (and the old name no longer), --dns on a user network keeps the network's names
 * (berthd's resolver forwards to the --dns servers instead of the host's), published ports
 * follow the container when the network they pointed at is disconnected, and disconnect
 * --force looks for a container berth no longer has among the network's endpoints.
 */
import { test, after } from "node:test";
import { strict as assert } from "node:assert";
import { randomInt } from "node:crypto";
import { daemonSkipReason, type TestDaemon } from "../helpers/daemon.js";
import { FakeUpstream, UPSTREAM_ANSWER } from "../../src/network/dns/testUpstream.js";
import { eventually, freePort, httpd, httpGet, inspect, token, withDaemon } from "./network-support.js";

const skip = daemonSkipReason() ?? false;

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

function subnetOf(d: TestDaemon, index: number): string {
  const [a, b, c] = d.pool.split("/")[0]!.split(".").map(Number);
  return `${a}.${b}.${c! + index}.0/24`;
}

const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("docker rename: DNS answers the new name at once, the old one no longer", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    await d.ok(["network", "create", "--subnet", subnetOf(d, 1), `${t}-net`]);
    const web = await d.ok(["run", "-d", "--network", `${t}-net`, "--name", `${t}-old`, "busybox", "sleep", "300"]);
    const client = await d.ok(["run", "-d", "--network", `${t}-net`, "busybox", "sleep", "300"]);
    const ip = (await inspect(d, web)).NetworkSettings.Networks[`${t}-net`].IPAddress as string;
    assert.match(await d.ok(["exec", client, "nslookup", `${t}-old`]), new RegExp(`Address: ${re(ip)}`));
    await d.ok(["rename", `${t}-old`, `${t}-new`]);
    assert.match(await d.ok(["exec", client, "nslookup", `${t}-new`]), new RegExp(`Address: ${re(ip)}`), "the new name, without a restart");
    const old = await d.docker(["exec", client, "nslookup", `${t}-old`]);
    assert.doesNotMatch(old.stdout, new RegExp(`Address: ${re(ip)}`), `the old name must not answer: ${old.stdout}`);
    const net = JSON.parse(await d.ok(["network", "inspect", `${t}-net`]))[0];
    assert.equal(net.Containers[web].Name, `${t}-new`);
    assert.deepEqual((await inspect(d, web)).NetworkSettings.Networks[`${t}-net`].DNSNames, [`${t}-new`, web.slice(0, 12)]);
    // disconnect --force: a container berth does not have is looked for among the endpoints
    // (a stale one would be deleted); one it has is disconnected the ordinary way.
    const ghost = await d.docker(["network", "disconnect", "--force", `${t}-net`, `${t}-ghost`]);
    assert.notEqual(ghost.code, 0);
    assert.match(ghost.stderr, new RegExp(`endpoint ${re(t)}-ghost not found in network ${re(t)}-net`));
    await d.ok(["network", "disconnect", "--force", `${t}-net`, client]);
    assert.deepEqual(Object.keys((await inspect(d, client)).NetworkSettings.Networks), []);
    await d.ok(["rm", "-f", web, client]);
    await d.ok(["network", "rm", `${t}-net`]);
  });
});

test("--dns on a user network: names still resolve; other names go to the --dns server, not the host's", { skip }, async () => {
  // The --dns server: a fake nameserver on a random loopback address, port 53 (berthd's
  // resolver forwards from the host's netns, so it reaches it).
  const upstream = await new FakeUpstream(`127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`, 53).start();
  closers.push(() => upstream.close());
  await withDaemon(async (d) => {
    const t = token();
    const subnet = subnetOf(d, 2);
    await d.ok(["network", "create", "--subnet", subnet, `${t}-net`]);
    const web = await d.ok(["run", "-d", "--network", `${t}-net`, "--name", `${t}-web`, "busybox", "sleep", "300"]);
    const client = await d.ok(["run", "-d", "--network", `${t}-net`, "--dns", upstream.address, "--dns-search", "berth-test.example", "busybox", "sleep", "300"]);
    const gw = subnet.replace(/0\/24$/, "1");
    const conf = await d.ok(["exec", client, "cat", "/etc/resolv.conf"]);
    assert.match(conf, new RegExp(`^nameserver ${re(gw)}$`, "m"), conf);
    assert.doesNotMatch(conf, new RegExp(re(upstream.address)), "the --dns server is the resolver's upstream, not the container's");
    assert.match(conf, /^search berth-test\.example$/m, "--dns-search still applies");
    const ip = (await inspect(d, web)).NetworkSettings.Networks[`${t}-net`].IPAddress as string;
    // Absolute (trailing dot): the search domain would otherwise be tried first (and answered by the fake).
    assert.match(await d.ok(["exec", client, "nslookup", `${t}-web.`]), new RegExp(`Address: ${re(ip)}`), "the network's names still resolve");
    const name = `${t}.elsewhere.example`;
    assert.match(await d.ok(["exec", client, "nslookup", "-type=a", `${name}.`]), new RegExp(`Address: ${re(UPSTREAM_ANSWER)}`));
    assert.ok(upstream.seen.some((s) => s.name.toLowerCase() === name), `the --dns server was asked: ${JSON.stringify(upstream.seen)}`);
    // A container without --dns is not forwarded there.
    const asked = upstream.seen.length;
    await d.docker(["exec", web, "nslookup", "-type=a", `${t}.other.example`]);
    assert.ok(!upstream.seen.slice(asked).some((s) => s.name.toLowerCase().startsWith(`${t}.other`)), "only the --dns container's queries go there");
    // The default bridge keeps Docker's behaviour: --dns written into resolv.conf.
    const plain = await d.ok(["run", "--rm", "--dns", upstream.address, "busybox", "cat", "/etc/resolv.conf"]);
    assert.match(plain, new RegExp(`^nameserver ${re(upstream.address)}$`, "m"));
    await d.ok(["rm", "-f", web, client]);
    await d.ok(["network", "rm", `${t}-net`]);
  });
});

test("disconnecting the network a published port points at moves the port to the remaining network", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    const port = await freePort();
    await d.ok(["network", "create", "--subnet", subnetOf(d, 3), `${t}-one`]);
    await d.ok(["network", "create", "--subnet", subnetOf(d, 4), `${t}-two`]);
    const id = await d.ok(["run", "-d", "--network", `${t}-one`, "-p", `127.0.0.1:${port}:80`, "busybox", ...httpd(t)]);
    assert.equal((await eventually(() => httpGet("127.0.0.1", port))).trim(), t);
    await d.ok(["network", "connect", `${t}-two`, id]);
    const ports = (await inspect(d, id)).NetworkSettings.Ports;
    assert.equal((await httpGet("127.0.0.1", port)).trim(), t, "connect changes nothing");
    await d.ok(["network", "disconnect", `${t}-one`, id]);
    assert.equal((await eventually(() => httpGet("127.0.0.1", port))).trim(), t, "served through the remaining network");
    assert.deepEqual((await inspect(d, id)).NetworkSettings.Ports, ports, "same host port");
    await d.ok(["network", "disconnect", `${t}-two`, id]);
    await assert.rejects(httpGet("127.0.0.1", port, 500), "no network left: the port is released");
    await d.ok(["rm", "-f", id]);
    await d.ok(["network", "rm", `${t}-one`, `${t}-two`]);
  });
});
