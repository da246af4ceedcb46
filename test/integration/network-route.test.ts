/**
 * The default route follows the container's networks (issue 5), with the real docker CLI: a
 * container on networks A and B, A carrying the default route; `network disconnect A` moves the
 * route to B's gateway (seen with `ip route` inside) and B's gateway stays reachable. Also the
 * helper's route_default operation refusing bad requests, and IPv6 networks (no IPv6 routes or
 * addresses in berth) refused rather than created IPv4-only.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { daemonSkipReason, type TestDaemon } from "../helpers/daemon.js";
import { NetHelper } from "../../src/sys/netHelper.js";
import { isEngineError } from "../../src/errors/EngineError.js";
import { inspect, token, withDaemon } from "../e2e/network-support.js";

const skip = daemonSkipReason() ?? false;

function subnetOf(d: TestDaemon, index: number): { subnet: string; gateway: string } {
  const [a, b, c] = d.pool.split("/")[0]!.split(".").map(Number);
  return { subnet: `${a}.${b}.${c! + index}.0/24`, gateway: `${a}.${b}.${c! + index}.1` };
}

/** The default route inside the container: "<gateway> <dev>", or "" when there is none. */
async function defaultRoute(d: TestDaemon, id: string): Promise<string> {
  const routes = await d.ok(["exec", id, "ip", "-4", "route", "show", "default"]);
  const m = /^default via (\S+) dev (\S+)/m.exec(routes);
  return m ? `${m[1]} ${m[2]}` : "";
}

test("disconnecting the default-route network moves the default route to the remaining network's gateway", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    const [a, b] = [subnetOf(d, 1), subnetOf(d, 2)];
    await d.ok(["network", "create", "--subnet", a.subnet, `${t}-a`]);
    await d.ok(["network", "create", "--subnet", b.subnet, `${t}-b`]);
    const c = await d.ok(["run", "-d", "--network", `${t}-a`, "busybox", "sleep", "300"]);
    await d.ok(["network", "connect", `${t}-b`, c]);
    assert.equal(await defaultRoute(d, c), `${a.gateway} eth0`);
    await d.ok(["network", "disconnect", `${t}-a`, c]);
    assert.equal(await defaultRoute(d, c), `${b.gateway} eth1`);
    assert.match(await d.ok(["exec", c, "ping", "-c", "1", "-W", "2", b.gateway]), /1 packets received/);
    // Off-link destinations go through B's gateway now (the host answers on its bridge address).
    assert.match(await d.ok(["exec", c, "ip", "-4", "route", "get", "192.0.2.1"]), new RegExp(`via ${b.gateway.replace(/\./g, "\\.")} dev eth1`));
    assert.equal((await inspect(d, c)).NetworkSettings.Networks[`${t}-b`].Gateway, b.gateway);
    // Connected again, A does not take the route back (B carries it now)...
    await d.ok(["network", "connect", `${t}-a`, c]);
    assert.equal(await defaultRoute(d, c), `${b.gateway} eth1`);
    // ...unless it is connected with a higher gw-priority (Docker re-selects at every join).
    await d.ok(["network", "disconnect", `${t}-a`, c]);
    await d.ok(["network", "connect", "--gw-priority", "10", `${t}-a`, c]);
    assert.equal(await defaultRoute(d, c), `${a.gateway} eth0`);
    assert.match(await d.ok(["exec", c, "ping", "-c", "1", "-W", "2", a.gateway]), /1 packets received/);
    await d.ok(["rm", "-f", c]);
    await d.ok(["network", "rm", `${t}-a`, `${t}-b`]);
  });
});

test("at start: gw-priority picks the default route's network; an internal first network never carries it", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    const [a, b, i] = [subnetOf(d, 3), subnetOf(d, 4), subnetOf(d, 5)];
    await d.ok(["network", "create", "--subnet", a.subnet, `${t}-a`]);
    await d.ok(["network", "create", "--subnet", b.subnet, `${t}-b`]);
    await d.ok(["network", "create", "--internal", "--subnet", i.subnet, `${t}-i`]);
    const prio = await d.ok(["run", "-d", "--network", `name=${t}-a`, "--network", `name=${t}-b,gw-priority=1`, "busybox", "sleep", "300"]);
    assert.equal(await defaultRoute(d, prio), `${b.gateway} eth1`);
    const internalFirst = await d.ok(["run", "-d", "--network", `${t}-i`, "busybox", "sleep", "300"]);
    assert.equal(await defaultRoute(d, internalFirst), "", "an internal network has no default route");
    await d.ok(["network", "connect", `${t}-a`, internalFirst]);
    assert.equal(await defaultRoute(d, internalFirst), `${a.gateway} eth1`, "the first network with a gateway carries it");
    await d.ok(["rm", "-f", prio, internalFirst]);
    await d.ok(["network", "rm", `${t}-a`, `${t}-b`, `${t}-i`]);
  });
});

test("route_default refuses a bad gateway, a bad interface name and a missing netns", { skip }, async () => {
  const h = new NetHelper();
  try {
    const missing = `/run/${token()}-no-netns`;
    await assert.rejects(h.routeDefault(missing, "eth0", "10.0.0.1"), (e) => isEngineError(e, "NotFound") && /route_default/.test(e.message));
    await assert.rejects(h.routeDefault(missing, "eth0", "not-an-address"), (e) => isEngineError(e, "InvalidArgument") && /invalid gateway/.test(e.message));
    await assert.rejects(h.routeDefault(missing, "bad/name", "10.0.0.1"), (e) => isEngineError(e, "InvalidArgument") && /invalid interface name/.test(e.message));
    await assert.rejects(h.routeDefault("relative", "eth0", "10.0.0.1"), (e) => isEngineError(e, "InvalidArgument") && /absolute/.test(e.message));
  } finally {
    h.close();
  }
});

test("docker network create --ipv6 (or the enable_ipv6 option) is refused, nothing is created", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    for (const args of [["--ipv6"], ["-o", "com.docker.network.enable_ipv6=true"], ["--subnet", "fd00:b5::/64"]]) {
      const r = await d.docker(["network", "create", ...args, `${t}-v6`]);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, /IPv6.* not supported by berth/, args.join(" "));
    }
    const names = (await d.ok(["network", "ls", "--format", "{{.Name}}"])).split("\n");
    assert.ok(!names.includes(`${t}-v6`), names.join(" "));
  });
});
