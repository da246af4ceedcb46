/**
 * Published ports end to end with the real docker CLI: -p on loopback reached from the host,
 * -P with `docker port` and ps, a port already taken (docker run fails, nothing left), and
 * "another host" (a netns of our own behind a veth) reaching a port published on the host-side
 * address but not one published on 127.0.0.1 only.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { bridgePorts, daemonSkipReason } from "../helpers/daemon.js";
import { eventually, freePort, httpd, httpGet, inspect, otherHost, token, withDaemon } from "./network-support.js";

const skip = daemonSkipReason() ?? false;

test("-p 127.0.0.1:PORT:80 reaches busybox httpd from the host; -P picks a port docker port and ps show", { skip }, async () => {
  await withDaemon(async (d) => {
    const port = await freePort();
    const text = token();
    const id = await d.ok(["run", "-d", "-p", `127.0.0.1:${port}:80`, "busybox", ...httpd(text)]);
    assert.equal((await eventually(() => httpGet("127.0.0.1", port))).trim(), text);
    const c = await inspect(d, id);
    assert.deepEqual(c.NetworkSettings.Ports, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] });
    assert.deepEqual(Object.keys(c.Config.ExposedPorts), ["80/tcp"], "a published port is an exposed one");
    assert.equal(await d.ok(["port", id, "80"]), `127.0.0.1:${port}`);
    assert.equal(await d.ok(["ps", "--format", "{{.Ports}}", "--filter", `id=${id}`]), `127.0.0.1:${port}->80/tcp`);
    assert.equal(await d.ok(["ps", "-q", "--filter", "publish=80"]), id.slice(0, 12));
    assert.equal(await d.ok(["ps", "-q", "--filter", "publish=81"]), "");
    assert.equal(await d.ok(["ps", "-q", "--filter", "expose=80/tcp"]), id.slice(0, 12));

    const text2 = token();
    const auto = await d.ok(["run", "-d", "-P", "--expose", "80", "busybox", ...httpd(text2)]);
    const mapped = await d.ok(["port", auto, "80/tcp"]);
    const m = /^0\.0\.0\.0:(\d+)$/m.exec(mapped);
    assert.ok(m, `docker port: ${mapped}`);
    assert.equal((await eventually(() => httpGet("127.0.0.1", Number(m[1])))).trim(), text2);
    assert.match(await d.ok(["ps", "--format", "{{.Ports}}", "--filter", `id=${auto}`]), new RegExp(`0\\.0\\.0\\.0:${m[1]}->80/tcp`));

    // Stopped: the port is free again (nothing listens for the container any more).
    await d.ok(["stop", "-t", "0", id, auto]);
    await assert.rejects(httpGet("127.0.0.1", port, 500));
    assert.deepEqual((await inspect(d, id)).NetworkSettings.Ports, {});
    await d.ok(["rm", id, auto]);
  });
});

test("a host port already in use: docker run fails with Docker's message and leaves nothing running", { skip }, async () => {
  await withDaemon(async (d) => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await d.docker(["run", "-d", "--name", "berth-test-busy", "-p", `127.0.0.1:${port}:80`, "busybox", ...httpd("x")]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /port is already allocated/);
      const c = await inspect(d, "berth-test-busy");
      assert.equal(c.State.Running, false);
      assert.equal(await d.ok(["ps", "-q"]), "");
      assert.deepEqual(bridgePorts(d.bridge), [], "no veth left on the bridge");
      const netns = join(d.execRoot, "netns");
      assert.deepEqual(existsSync(netns) ? readdirSync(netns) : [], [], "no netns file left");
      await d.ok(["rm", "berth-test-busy"]);
    } finally {
      taken.close();
    }
  });
});

test("another host reaches a port published on the host-side address, not one published on 127.0.0.1", { skip }, async () => {
  const other = otherHost();
  try {
    await withDaemon(async (d) => {
      const [pub, local] = [await freePort(), await freePort()];
      const text = token();
      const a = await d.ok(["run", "-d", "-p", `${other.hostIp}:${pub}:80`, "busybox", ...httpd(text)]);
      const b = await d.ok(["run", "-d", "-p", `127.0.0.1:${local}:80`, "busybox", ...httpd("local-only")]);
      await eventually(() => httpGet("127.0.0.1", local));
      const got = await eventually(async () => {
        const r = await other.busybox(["wget", "-qO-", `http://${other.hostIp}:${pub}/`]);
        if (r.code !== 0) throw new Error(r.out);
        return r.out;
      });
      assert.equal(got.trim(), text);
      const refused = await other.busybox(["wget", "-qO-", `http://${other.hostIp}:${local}/`]);
      assert.notEqual(refused.code, 0, `a 127.0.0.1 port must not answer on ${other.hostIp}: ${refused.out}`);
      await d.ok(["rm", "-f", a, b]);
    });
  } finally {
    other.remove();
  }
});
