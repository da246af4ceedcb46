/**
 * berthd's network flags end to end: --icc=false keeps containers on the default bridge apart
 * (the gateway still answers), --userland-proxy=false publishes through kernel DNAT (another
 * host reaches the port), --bridge none runs without a default network.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { eventually, freePort, httpd, inspect, otherHost, token } from "./network-support.js";

const skip = daemonSkipReason() ?? false;

async function withFlags(args: string[], fn: (d: TestDaemon) => Promise<void>): Promise<void> {
  const d = await startTestDaemon({ args });
  try {
    await fn(d);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
}

test("--icc=false: containers on the default bridge cannot reach each other, the gateway they can", { skip }, async () => {
  await withFlags(["--icc=false"], async (d) => {
    const a = await d.ok(["run", "-d", "busybox", "sleep", "300"]);
    const b = await d.ok(["run", "-d", "busybox", "sleep", "300"]);
    const aIp = (await inspect(d, a)).NetworkSettings.IPAddress;
    assert.equal((await d.docker(["exec", b, "ping", "-c", "1", "-W", "2", d.bip.split("/")[0]])).code, 0);
    assert.notEqual((await d.docker(["exec", b, "ping", "-c", "1", "-W", "1", aIp])).code, 0);
    await d.ok(["rm", "-f", a, b]);
  });
});

// Forwarded (DNAT) traffic needs the host's ip_forward, which the test daemons leave alone.
const forwarding = (() => {
  try {
    return readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim() === "1";
  } catch {
    return false;
  }
})();

test("--userland-proxy=false: another host reaches a published port through kernel DNAT", { skip: skip || (!forwarding && "needs net.ipv4.ip_forward=1 on the host") }, async () => {
  const other = otherHost();
  try {
    await withFlags(["--userland-proxy=false"], async (d) => {
      const port = await freePort();
      const text = token();
      const id = await d.ok(["run", "-d", "-p", `${other.hostIp}:${port}:80`, "busybox", ...httpd(text)]);
      const got = await eventually(async () => {
        const r = await other.busybox(["wget", "-qO-", `http://${other.hostIp}:${port}/`]);
        if (r.code !== 0) throw new Error(r.out);
        return r.out;
      });
      assert.equal(got.trim(), text);
      await d.ok(["rm", "-f", id]);
      const after = await other.busybox(["wget", "-qO-", `http://${other.hostIp}:${port}/`]);
      assert.notEqual(after.code, 0, "the rule went with the container");
    });
  } finally {
    other.remove();
  }
});

test("--userland-proxy=false --icc=false together: the gateway answers, another host reaches a published port, containers stay apart", { skip: skip || (!forwarding && "needs net.ipv4.ip_forward=1 on the host") }, async () => {
  const other = otherHost();
  try {
    await withFlags(["--userland-proxy=false", "--icc=false"], async (d) => {
      const port = await freePort();
      const text = token();
      const a = await d.ok(["run", "-d", "busybox", "sleep", "300"]);
      const b = await d.ok(["run", "-d", "-p", `${other.hostIp}:${port}:80`, "busybox", ...httpd(text)]);
      const aIp = (await inspect(d, a)).NetworkSettings.IPAddress;
      const gw = d.bip.split("/")[0]!;
      const ping = await d.docker(["exec", a, "ping", "-c", "1", "-W", "2", gw]);
      assert.equal(ping.code, 0, `ping ${gw}: ${ping.stdout}${ping.stderr}`);
      const got = await eventually(async () => {
        const r = await other.busybox(["wget", "-qO-", `http://${other.hostIp}:${port}/`]);
        if (r.code !== 0) throw new Error(r.out);
        return r.out;
      });
      assert.equal(got.trim(), text);
      assert.notEqual((await d.docker(["exec", b, "ping", "-c", "1", "-W", "1", aIp])).code, 0, "icc=false still keeps them apart");
      await d.ok(["rm", "-f", a, b]);
    });
  } finally {
    other.remove();
  }
});

test("--bridge none: no default network, a container on it runs loopback-only (as dockerd's); --network none and user networks still work", { skip }, async () => {
  await withFlags(["--bridge", "none"], async (d) => {
    const names = (await d.ok(["network", "ls", "--format", "{{.Name}}"])).split("\n").sort();
    assert.deepEqual(names, ["host", "none"]);
    // moby's connectToNetwork with the bridge disabled: networking disabled, not an error
    // (checked against Debian's dockerd 20.10 --bridge=none); the container's exit code intact.
    const r = await d.docker(["run", "--rm", "busybox", "sh", "-c", "ip -o link | cut -d: -f2 | tr -d ' '; exit 7"]);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout.trim(), "lo");
    assert.equal(await d.ok(["run", "--rm", "--network", "bridge", "busybox", "true"]), "");
    assert.equal(await d.ok(["run", "--rm", "--network", "none", "busybox", "echo", "ok"]), "ok");
    await d.ok(["network", "create", "berth-test-only"]);
    assert.equal(await d.ok(["run", "--rm", "--network", "berth-test-only", "busybox", "echo", "ok"]), "ok");
    await d.ok(["network", "rm", "berth-test-only"]);
  });
});
