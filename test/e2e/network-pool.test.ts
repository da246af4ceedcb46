/**
 * The warm netns pool end to end with the real docker CLI: containers started from it (their
 * netns file links into <execRoot>/netns-pool) have their address, default route, published
 * port, and DNS name and alias on a user network like any other; the pool follows the network in
 * use; `network rm` is not refused for it; a killed daemon's pool is swept at the next start; a
 * stopped daemon leaves no pooled netns file, mount or veth.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { daemonSkipReason, mountsUnder, type TestDaemon } from "../helpers/daemon.js";
import { eventually, freePort, httpd, httpGet, inspect, withDaemon } from "./network-support.js";
import { POOL_DIR } from "../../src/network/NetnsPool.js";
import { hostVethName } from "../../src/network/bridge/endpointNames.js";

const skip = daemonSkipReason() ?? false;

const poolDir = (d: TestDaemon) => join(d.execRoot, POOL_DIR);
const linkExists = (name: string) => spawnSync("ip", ["link", "show", "dev", name], { stdio: "ignore" }).status === 0;

/** Pool files no container took (a container's netns file links to the one it took). */
function readyFiles(d: TestDaemon): string[] {
  const nsDir = join(d.execRoot, "netns");
  const taken = new Set((existsSync(nsDir) ? readdirSync(nsDir) : []).flatMap((f) => {
    const p = join(nsDir, f);
    return lstatSync(p).isSymbolicLink() ? [readlinkSync(p)] : [];
  }));
  return (existsSync(poolDir(d)) ? readdirSync(poolDir(d)) : []).filter((f) => !taken.has(join(poolDir(d), f)));
}

async function poolFull(d: TestDaemon, n = 3, tries = 100): Promise<string[]> {
  return eventually(async () => {
    const files = readyFiles(d);
    if (files.length !== n || !files.every((f) => linkExists(hostVethName(f)))) throw new Error(`pool: ${files.length} of ${n} ready`);
    return files;
  }, tries, 50);
}

/** The pool file a container's netns came from, or undefined when it was made at its start. */
async function pooledFrom(d: TestDaemon, name: string): Promise<string | undefined> {
  const key = (await inspect(d, name)).NetworkSettings.SandboxKey as string;
  assert.equal(key, join(d.execRoot, "netns", (await inspect(d, name)).Id));
  return lstatSync(key).isSymbolicLink() ? readlinkSync(key) : undefined;
}

test("containers from the warm pool network like any other; rm, a crash and a stop leave no pool behind", { skip }, async () => {
  await withDaemon(async (d) => {
    const first = await poolFull(d);

    // The default bridge, from the pool: address, route, a published port.
    const port = await freePort();
    await d.ok(["run", "-d", "--name", "berth-test-p1", "-p", `127.0.0.1:${port}:80`, "busybox", ...httpd("pooled-web")]);
    const from = await pooledFrom(d, "berth-test-p1");
    assert.ok(from && first.includes(from.split("/").pop()!), `from the pool: ${from}`);
    const ns = (await inspect(d, "berth-test-p1")).NetworkSettings;
    assert.equal(ns.Networks.bridge.EndpointID, from!.split("/").pop(), "the pooled endpoint");
    assert.match(await d.ok(["exec", "berth-test-p1", "ip", "-4", "addr", "show", "dev", "eth0"]), new RegExp(`inet ${ns.IPAddress.replace(/\./g, "\\.")}/24`));
    assert.match(await d.ok(["exec", "berth-test-p1", "ip", "route"]), new RegExp(`default via ${ns.Gateway.replace(/\./g, "\\.")} dev eth0`));
    assert.equal((await d.ok(["exec", "berth-test-p1", "cat", "/sys/class/net/eth0/address"])), ns.MacAddress);
    assert.equal((await eventually(() => httpGet("127.0.0.1", port))).trim(), "pooled-web");

    // A user network (a /24 of the daemon's own /20 pool): the first container's netns is made at its start, then the pool follows.
    const [a, b, c] = d.pool.split("/")[0]!.split(".").map(Number);
    await d.ok(["network", "create", "--subnet", `${a}.${b}.${c! + 9}.0/24`, "berth-test-pooled"]);
    const forBridge = await poolFull(d);
    await d.ok(["run", "-d", "--network", "berth-test-pooled", "--name", "berth-test-u1", "busybox", "sleep", "300"]);
    assert.equal(await pooledFrom(d, "berth-test-u1"), undefined, "no entry for that network yet");
    // In idle time the entries are made again, for berth-test-pooled.
    await eventually(async () => {
      const files = await poolFull(d, 3, 1);
      if (files.some((f) => forBridge.includes(f))) throw new Error("not yet");
    }, 100, 50);
    await d.ok(["run", "-d", "--network", "berth-test-pooled", "--network-alias", "web", "--name", "berth-test-u2", "busybox", "sleep", "300"]);
    assert.ok(await pooledFrom(d, "berth-test-u2"), "u2 from the pool");
    const u2 = (await inspect(d, "berth-test-u2")).NetworkSettings.Networks["berth-test-pooled"];
    const u1 = (await inspect(d, "berth-test-u1")).NetworkSettings.Networks["berth-test-pooled"];
    for (const name of ["berth-test-u2", "web"]) {
      const r = await eventually(async () => {
        const out = await d.ok(["exec", "berth-test-u1", "nslookup", name]);
        if (!out.includes(u2.IPAddress)) throw new Error(out);
        return out;
      }, 20, 100);
      assert.ok(r.includes(u2.IPAddress), `${name} resolves to the pooled container`);
    }
    assert.equal((await d.docker(["exec", "berth-test-u2", "ping", "-c", "1", "-W", "2", u1.IPAddress])).code, 0, "u2 -> u1");
    assert.equal((await d.docker(["exec", "berth-test-u1", "ping", "-c", "1", "-W", "2", "berth-test-u2"])).code, 0, "u1 -> u2 by name");

    // rm of the network the pool now makes veths for is not refused.
    await d.ok(["rm", "-f", "berth-test-u1", "berth-test-u2", "berth-test-p1"]);
    await poolFull(d);
    await d.ok(["network", "rm", "berth-test-pooled"]);

    // A killed daemon leaves its pool; the next start sweeps it and makes a new one.
    const beforeCrash = await poolFull(d);
    await d.crash();
    assert.deepEqual(readyFiles(d).sort(), [...beforeCrash].sort());
    await d.restart();
    const after = await poolFull(d);
    assert.ok(after.every((f) => !beforeCrash.includes(f)), "a new pool");
    for (const f of beforeCrash) assert.ok(!linkExists(hostVethName(f)), `${hostVethName(f)} swept`);

    // A stop leaves nothing of it (nor of the exec root's tmpfs, when berthd mounted one).
    await d.stop();
    assert.deepEqual(existsSync(poolDir(d)) ? readdirSync(poolDir(d)) : [], []);
    assert.deepEqual(await mountsUnder(poolDir(d)), []);
    for (const f of after) assert.ok(!linkExists(hostVethName(f)), `${hostVethName(f)} deleted at stop`);
  });
});
