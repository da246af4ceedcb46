/**
 * Legacy links on a user-defined network with the real docker CLI (issue 5): `--link name:alias`
 * makes the alias resolve (and reachable) for the linking container only; a link to a container
 * that does not exist yet is accepted and resolves once it runs (as Docker does, moby's
 * TestUserDefinedNetworkLinks); `network connect --link` adds an alias on that network;
 * inspect shows the links; links on the default bridge and malformed links are refused with
 * nothing left behind.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { daemonSkipReason, type TestDaemon } from "../helpers/daemon.js";
import { inspect, token, withDaemon } from "../e2e/network-support.js";

const skip = daemonSkipReason() ?? false;

function subnetOf(d: TestDaemon, index: number): string {
  const [a, b, c] = d.pool.split("/")[0]!.split(".").map(Number);
  return `${a}.${b}.${c! + index}.0/24`;
}

const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function resolves(d: TestDaemon, from: string, name: string): Promise<string> {
  const r = await d.docker(["exec", from, "nslookup", name]);
  return `${r.stdout}${r.stderr}(nslookup ${name} from ${from.slice(0, 12)})`;
}

test("--link on a user-defined network: the alias resolves for the linking container only", { skip }, async () => {
  await withDaemon(async (d) => {
    try {
      const t = token();
      const [net, net2] = [`${t}-net`, `${t}-net2`];
      await d.ok(["network", "create", "--subnet", subnetOf(d, 1), net]);
      await d.ok(["network", "create", "--subnet", subnetOf(d, 2), net2]);
      const first = await d.ok(["run", "-d", "--network", net, "--name", `${t}-first`, "busybox", "sleep", "300"]);
      // third does not exist yet: accepted, as Docker accepts it.
      const second = await d.ok(["run", "-d", "--network", net, "--name", `${t}-second`, "--link", `${t}-first:${t}-foo`, "--link", `${t}-third:${t}-bar`, "busybox", "sleep", "300"]);
      const other = await d.ok(["run", "-d", "--network", net, "--name", `${t}-other`, "busybox", "sleep", "300"]);
      const firstIp = (await inspect(d, first)).NetworkSettings.Networks[net].IPAddress as string;

      assert.match(await resolves(d, second, `${t}-foo`), new RegExp(`Address: ${re(firstIp)}`));
      assert.match(await resolves(d, second, `${t}-foo.${net}`), new RegExp(`Address: ${re(firstIp)}`));
      assert.match(await d.ok(["exec", second, "ping", "-c", "1", "-W", "2", `${t}-foo`]), /1 packets received/);
      assert.match(await resolves(d, second, `${t}-first`), new RegExp(`Address: ${re(firstIp)}`), "the linked name resolves too");
      const fromOther = await resolves(d, other, `${t}-foo`);
      assert.doesNotMatch(fromOther, new RegExp(`Address: ${re(firstIp)}`), `another container of the network must not resolve the alias: ${fromOther}`);
      assert.notEqual((await d.docker(["exec", other, "ping", "-c", "1", "-W", "1", `${t}-foo`])).code, 0);

      const eps = (await inspect(d, second)).NetworkSettings.Networks[net];
      assert.deepEqual(eps.Links, [`${t}-first:${t}-foo`, `${t}-third:${t}-bar`]);

      // The missing target: nothing until it runs, then its address.
      assert.doesNotMatch(await resolves(d, second, `${t}-bar`), /Address: \d+\.\d+\.\d+\.\d+\s*$/m);
      const third = await d.ok(["run", "-d", "--network", net, "--name", `${t}-third`, "busybox", "sleep", "300"]);
      const thirdIp = (await inspect(d, third)).NetworkSettings.Networks[net].IPAddress as string;
      assert.match(await resolves(d, second, `${t}-bar`), new RegExp(`Address: ${re(thirdIp)}`));

      // network connect --link: an alias on that network (first joins it too).
      await d.ok(["network", "connect", net2, first]);
      await d.ok(["network", "connect", "--link", `${t}-first:${t}-foo2`, net2, second]);
      const firstIp2 = (await inspect(d, first)).NetworkSettings.Networks[net2].IPAddress as string;
      assert.match(await resolves(d, second, `${t}-foo2`), new RegExp(`Address: ${re(firstIp2)}`));
      assert.deepEqual((await inspect(d, second)).NetworkSettings.Networks[net2].Links, [`${t}-first:${t}-foo2`]);
      // first leaves net: the alias made there no longer resolves (the one on net2 still does).
      await d.ok(["network", "disconnect", net, first]);
      assert.doesNotMatch(await resolves(d, second, `${t}-foo.${net}`), new RegExp(`Address: ${re(firstIp)}`));
      assert.match(await resolves(d, second, `${t}-foo2`), new RegExp(`Address: ${re(firstIp2)}`));

      // Links survive a restart of the linking container (they are its recorded endpoint config).
      await d.ok(["restart", "-t", "0", second]);
      assert.match(await resolves(d, second, `${t}-bar`), new RegExp(`Address: ${re(thirdIp)}`));

      await d.ok(["rm", "-f", first, second, other, third]);
      await d.ok(["network", "rm", net, net2]);
    } catch (e) {
      // The resolver's own view of a failed lookup (debug level logs forwarding and errors).
      console.error(d.log().split("\n").filter((l) => /dns|level=(error|warn)/.test(l)).join("\n"));
      throw e;
    }
  });
});

test("--link on the default bridge and malformed links are refused, leaving no container", { skip }, async () => {
  await withDaemon(async (d) => {
    const t = token();
    await d.ok(["network", "create", "--subnet", subnetOf(d, 3), `${t}-net`]);
    const target = await d.ok(["run", "-d", "--network", `${t}-net`, "--name", `${t}-target`, "busybox", "sleep", "300"]);
    const onBridge = await d.docker(["run", "-d", "--name", `${t}-linked`, "--link", `${t}-target:db`, "busybox", "true"]);
    assert.notEqual(onBridge.code, 0);
    assert.match(onBridge.stderr, /legacy container links \(--link\) on the default bridge are not supported/);
    const bad = await d.docker(["create", "--network", `${t}-net`, "--name", `${t}-bad`, "--link", "a:b:c", "busybox", "true"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /bad format for links: a:b:c/);
    const connect = await d.docker(["network", "connect", "--link", `${t}-target:db`, "bridge", target]);
    assert.notEqual(connect.code, 0, "links when connecting to the default bridge are refused too");
    assert.match(connect.stderr, /links \(--link\) on the default bridge are not supported/);
    assert.deepEqual(Object.keys((await inspect(d, target)).NetworkSettings.Networks), [`${t}-net`]);
    const names = (await d.ok(["ps", "-a", "--format", "{{.Names}}"])).split("\n").filter(Boolean);
    assert.deepEqual(names, [`${t}-target`]);
    await d.ok(["rm", "-f", target]);
    await d.ok(["network", "rm", `${t}-net`]);
  });
});
