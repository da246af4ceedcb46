/**
 * DNS across a container's networks (issue 5), with the real docker CLI: a container attached
 * to two networks resolves the names of both through the resolver of its first network, as
 * Docker's embedded DNS does; a container on one network sees only that network's names.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { daemonSkipReason, type TestDaemon } from "../helpers/daemon.js";
import { inspect, token, withDaemon } from "./network-support.js";

const skip = daemonSkipReason() ?? false;

function subnetOf(d: TestDaemon, index: number): string {
  const [a, b, c] = d.pool.split("/")[0]!.split(".").map(Number);
  return `${a}.${b}.${c! + index}.0/24`;
}

const ipOn = async (d: TestDaemon, c: string, net: string): Promise<string> => (await inspect(d, c)).NetworkSettings.Networks[net].IPAddress;

test("a container on net1 and net2 resolves a net2-only container by name; one on net1 only does not", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    const [net1, net2] = [`${t}-net1`, `${t}-net2`];
    const s1 = subnetOf(d, 4);
    await d.ok(["network", "create", "--subnet", s1, net1]);
    await d.ok(["network", "create", "--subnet", subnetOf(d, 5), net2]);
    const b = await d.ok(["run", "-d", "--network", net2, "--name", `${t}-b`, "--network-alias", `${t}-bee`, "busybox", "sleep", "300"]);
    // A: first network net1 (its resolv.conf names net1's gateway), net2 connected afterwards.
    const a = await d.ok(["run", "-d", "--network", net1, "--name", `${t}-a`, "busybox", "sleep", "300"]);
    await d.ok(["network", "connect", net2, a]);
    const only1 = await d.ok(["run", "-d", "--network", net1, "--name", `${t}-c`, "busybox", "sleep", "300"]);
    const gw1 = s1.replace(/0\/24$/, "1");
    assert.match(await d.ok(["exec", a, "cat", "/etc/resolv.conf"]), new RegExp(`^nameserver ${gw1.replace(/\./g, "\\.")}$`, "m"));
    const bIp = await ipOn(d, b, net2);
    for (const name of [`${t}-b`, `${t}-bee`, `${t}-b.${net2}`]) {
      const look = await d.ok(["exec", a, "nslookup", name]);
      assert.match(look, new RegExp(`Address: ${bIp.replace(/\./g, "\\.")}`), `${name}: ${look}`);
    }
    // And traffic follows the answer (A reaches B over its net2 interface).
    assert.equal((await d.docker(["exec", a, "ping", "-c", "1", "-W", "2", `${t}-b`])).code, 0);
    // A name A's own networks do not have: not answered by berth (forwarded, fails here).
    assert.notEqual((await d.docker(["exec", only1, "nslookup", `${t}-b`])).code, 0, "C is on net1 only: net2's names are not its");
    // After A leaves net2, its resolver no longer answers B.
    await d.ok(["network", "disconnect", net2, a]);
    assert.notEqual((await d.docker(["exec", a, "nslookup", `${t}-b`])).code, 0);
    await d.ok(["rm", "-f", a, b, only1]);
    await d.ok(["network", "rm", net1, net2]);
  });
});
