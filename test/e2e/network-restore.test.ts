/**
 * Networking across berthd restarts: a running container keeps its address, its published port
 * and its DNS name when the daemon is killed and started again (and after a graceful stop);
 * removing it afterwards leaves nothing (veth, netns file, proxy port).
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { bridgePorts, daemonSkipReason } from "../helpers/daemon.js";
import { eventually, freePort, httpd, httpGet, inspect, token, withDaemon } from "./network-support.js";
import { proxyAlive, startProxy, stopProxy } from "../../src/network/ports/proxyProcess.js";

const skip = daemonSkipReason() ?? false;

test("berthd killed and restarted: the container's network, published port and name keep working", { skip }, async () => {
  await withDaemon(async (d) => {
    const port = await freePort();
    const text = token();
    await d.ok(["network", "create", "berth-test-keep"]);
    const web = await d.ok(["run", "-d", "--name", "berth-test-web", "--network", "berth-test-keep", "-p", `127.0.0.1:${port}:80`, "busybox", ...httpd(text)]);
    const client = await d.ok(["run", "-d", "--network", "berth-test-keep", "busybox", "sleep", "300"]);
    const before = (await inspect(d, web)).NetworkSettings;
    assert.equal((await eventually(() => httpGet("127.0.0.1", port))).trim(), text);

    await d.crash();
    // While the daemon is down the container and its port keep serving (the proxy outlives it).
    assert.equal((await httpGet("127.0.0.1", port)).trim(), text);
    await d.restart();
    const after = (await inspect(d, web)).NetworkSettings;
    assert.equal(after.Networks["berth-test-keep"].IPAddress, before.Networks["berth-test-keep"].IPAddress);
    assert.equal(after.SandboxKey, before.SandboxKey);
    assert.deepEqual(after.Ports, before.Ports);
    assert.equal((await httpGet("127.0.0.1", port)).trim(), text);
    assert.equal((await d.ok(["exec", client, "wget", "-qO-", "http://berth-test-web/"])).trim(), text, "DNS answers after the restart");

    await d.stop();
    await d.restart();
    assert.equal((await httpGet("127.0.0.1", port)).trim(), text, "and after a graceful stop and start");

    await d.ok(["rm", "-f", web, client]);
    assert.equal(existsSync(before.SandboxKey), false);
    assert.deepEqual(bridgePorts(d.bridge), []);
    await assert.rejects(httpGet("127.0.0.1", port, 500), "the published port is closed with the container");
  });
});

test("a container that ended while berthd was down has its network torn down at restart", { skip }, async () => {
  await withDaemon(async (d) => {
    const id = await d.ok(["run", "-d", "busybox", "sleep", "300"]);
    const sandbox = (await inspect(d, id)).NetworkSettings.SandboxKey;
    const pid = (await inspect(d, id)).State.Pid as number;
    await d.crash();
    process.kill(pid, "SIGKILL");
    await d.restart();
    await eventually(async () => assert.equal((await inspect(d, id)).State.Status, "exited"));
    assert.equal(existsSync(sandbox), false, "netns file removed");
    assert.deepEqual(bridgePorts(d.bridge), [], "veth removed");
    await d.ok(["rm", id]);
  });
});

test("a berth-proxy forwarding into the daemon's network that no record names is stopped at restart", { skip }, async () => {
  await withDaemon(async (d) => {
    const port = await freePort();
    // What a crash the records do not cover would leave: a proxy aimed at the default bridge.
    const target = d.bip.split("/")[0]!.replace(/\.\d+$/, ".200");
    const orphan = await startProxy({ mappings: [{ proto: "tcp", hostIp: "127.0.0.1", hostPort: String(port), containerIp: target, containerPort: 80 }] });
    try {
      await d.crash();
      await d.restart();
      await eventually(async () => assert.equal(await proxyAlive(orphan), false));
      assert.match(d.log(), new RegExp(`stopping port proxy ${orphan.pid}`));
    } finally {
      await stopProxy(orphan);
    }
  });
});
