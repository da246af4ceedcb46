/**
 * MTU on bridge networks (docs/networking.md "MTU"), with the real docker CLI: links inside the
 * host run at 65520 unless the user set an MTU; the container's default route carries the
 * outside MTU (1500) as a metric, so a TCP connection to "another host" (a netns of ours behind
 * a veth, see network-support.ts) negotiates MSS ≤ 1460 even over a link that could carry more.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { daemonSkipReason, type TestDaemon, withTestDaemon } from "../helpers/daemon.js";
import { eventually, freePort, inspect, otherHost, token } from "./network-support.js";

const skip = daemonSkipReason() ?? false;

const withDaemon = (args: string[], fn: (d: TestDaemon) => Promise<void>) => withTestDaemon(fn, { args });

/** `ip args` inside a running container's netns (berth keeps it at <execRoot>/netns/<id>). */
function ipIn(d: TestDaemon, id: string, args: string[]): string {
  const r = spawnSync("nsenter", [`--net=${join(d.execRoot, "netns", id)}`, "ip", ...args], { encoding: "utf8", timeout: 10_000 });
  assert.equal(r.status, 0, `ip ${args.join(" ")} in ${id}: ${r.stderr}`);
  return r.stdout;
}

const SLEEPER = ["busybox", "sleep", "300"];

test("link MTU is 65520 on networks without the option, the option's value with it; the default route carries mtu 1500", { skip }, async () => {
  await withDaemon([], async (d) => {
    const set = `${token()}-set`;
    await d.ok(["network", "create", "-o", "com.docker.network.driver.mtu=1400", set]);
    const plain = await d.ok(["run", "-d", ...SLEEPER]);
    const custom = await d.ok(["run", "-d", "--network", set, ...SLEEPER]);
    assert.equal((await d.ok(["exec", plain, "cat", "/sys/class/net/eth0/mtu"])).trim(), "65520");
    assert.equal((await d.ok(["exec", custom, "cat", "/sys/class/net/eth0/mtu"])).trim(), "1400");
    assert.match(ipIn(d, plain, ["-4", "route", "show", "default"]), /^default via \S+ dev eth0 .*\bmtu 1500\b/m);
    // The on-link route (other containers, the gateway) keeps the link MTU: no metric on it.
    assert.doesNotMatch(ipIn(d, plain, ["-4", "route", "show", "scope", "link"]), /\bmtu\b/);
    // A user-set MTU is used as is, as in Docker: no metric.
    assert.doesNotMatch(ipIn(d, custom, ["-4", "route", "show", "default"]), /\bmtu\b/);
    // The bridge itself runs at the link MTU too.
    const br = spawnSync("cat", [`/sys/class/net/${d.bridge}/mtu`], { encoding: "utf8" });
    assert.equal(br.stdout.trim(), "65520");
    // Inspect shows what Docker shows: 1500 on the default bridge, nothing unset on a user network.
    assert.equal((await inspect(d, "bridge")).Options["com.docker.network.driver.mtu"], "1500");
    const userNet = `${token()}-plain`;
    await d.ok(["network", "create", userNet]);
    assert.equal((await inspect(d, userNet)).Options["com.docker.network.driver.mtu"], undefined);
    // The route moved at disconnect (route_default) keeps the metric.
    await d.ok(["network", "connect", userNet, plain]);
    await d.ok(["network", "disconnect", "bridge", plain]);
    assert.match(ipIn(d, plain, ["-4", "route", "show", "default"]), /^default via \S+ dev eth1 .*\bmtu 1500\b/m);
    // ... and moved to a user-set network, it has none.
    await d.ok(["network", "connect", set, plain]);
    await d.ok(["network", "disconnect", userNet, plain]);
    const moved = ipIn(d, plain, ["-4", "route", "show", "default"]);
    assert.match(moved, /^default via \S+ dev eth\d/m);
    assert.doesNotMatch(moved, /\bmtu\b/);
    await d.ok(["rm", "-f", plain, custom]);
    await d.ok(["network", "rm", set, userNet]);
  });
});

test("containers on one network move megabytes intact over the large MTU", { skip }, async () => {
  await withDaemon([], async (d) => {
    const net = token();
    await d.ok(["network", "create", net]);
    const server = `${token()}-srv`;
    // 4 MB of a fixed pattern served by busybox httpd; the client checks what it read.
    await d.ok(["run", "-d", "--name", server, "--network", net, "busybox", "sh", "-c", "mkdir -p /www && seq 1 600000 > /www/big && exec httpd -f -p 80 -h /www"]);
    const want = (await d.ok(["run", "--rm", "busybox", "sh", "-c", "seq 1 600000 | md5sum"])).trim();
    const got = await eventually(async () => {
      const out = (await d.ok(["run", "--rm", "--network", net, "busybox", "sh", "-c", `wget -qO- http://${server}/big | md5sum`])).trim();
      if (out.startsWith("d41d8cd98f00b204e9800998ecf8427e")) throw new Error("nothing received (server not listening yet)");
      return out;
    }, 10, 300);
    assert.equal(got, want);
    await d.ok(["rm", "-f", server]);
    await d.ok(["network", "rm", net]);
  });
});

test("TCP from a container to another host advertises MSS ≤ 1460 although every link could carry 65520", { skip }, async () => {
  const other = otherHost();
  try {
    // Both ends of the other host's link large: only the container's route metric limits the MSS.
    for (const [ns, dev] of [["", `vh${other.netns.slice(-8)}`], [other.netns, `vp${other.netns.slice(-8)}`]] as const) {
      const r = spawnSync("nsenter", [...(ns ? [`--net=${ns}`] : []), "ip", "link", "set", dev, "mtu", "65520"], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    }
    const www = await mkdtemp(join(tmpdir(), "berth-test-www-"));
    await writeFile(join(www, "big"), Buffer.alloc(4 << 20, "berth"));
    const port = await freePort();
    // busybox httpd in the other host, serving 4 MiB: a client reading slowly keeps the
    // connection established long enough to look at it.
    const httpd = spawn("nsenter", [`--net=${other.netns}`, "/bin/busybox", "httpd", "-f", "-p", String(port), "-h", www], { stdio: "ignore" });
    try {
      await withDaemon([], async (d) => {
        /** The MSS the other host's end of a download by a container on `net` may send with. */
        const mssSeen = async (net: string): Promise<{ mss: number; text: string }> => {
          const client = d.ok(["run", "--rm", "--network", net, "busybox", "sh", "-c", `wget -qO- http://${other.peerIp}:${port}/big | (sleep 3; wc -c)`]);
          // A client that ended (or failed) before its connection was seen says why.
          let clientEnded: string | undefined;
          client.then((out) => (clientEnded = `the client ended: ${out}`), (e: Error) => (clientEnded = `the client failed: ${e.message}`));
          // The accepted socket's mss is capped by the MSS option the container sent. Generous:
          // under a loaded CI the container's start alone can take seconds.
          const info = await eventually(async () => {
            const r = spawnSync("nsenter", [`--net=${other.netns}`, "ss", "-tin", "state", "established"], { encoding: "utf8" });
            const m = new RegExp(`:${port}\\s.*\\n.*\\bmss:(\\d+)`).exec(r.stdout);
            if (!m) throw new Error(`no established connection yet: ${r.stdout}${r.stderr}${clientEnded ? `; ${clientEnded}` : ""}`);
            return { mss: Number(m[1]), text: r.stdout };
          }, 300, 100);
          assert.equal((await client).trim(), String(4 << 20), "everything arrived");
          return info;
        };
        const plain = await mssSeen("bridge");
        assert.ok(plain.mss <= 1460, `the container advertised a larger MSS than the outside MTU allows:\n${plain.text}`);
        // The contrast: a user-set 65520 has no route metric, so the same download goes at 64 KiB.
        const big = token();
        await d.ok(["network", "create", "-o", "com.docker.network.driver.mtu=65520", big]);
        const large = await mssSeen(big);
        assert.ok(large.mss > 1460, `with a user-set MTU of 65520 the MSS should be large:\n${large.text}`);
        await d.ok(["network", "rm", big]);
      });
    } finally {
      httpd.kill("SIGKILL");
      await rm(www, { recursive: true, force: true });
    }
  } finally {
    other.remove();
  }
});

test("--userland-proxy=false: another host fetches a large reply through a DNAT published port", { skip }, async () => {
  const other = otherHost();
  try {
    await withDaemon(["--userland-proxy=false"], async (d) => {
      const port = await freePort();
      const c = await d.ok(["run", "-d", "-p", `${other.hostIp}:${port}:80`, "busybox", "sh", "-c",
        "mkdir -p /www && seq 1 300000 > /www/big && exec httpd -f -p 80 -h /www"]);
      const want = (await d.ok(["run", "--rm", "busybox", "sh", "-c", "seq 1 300000 | md5sum"])).split(/\s+/)[0];
      const got = await eventually(async () => {
        const r = await other.busybox(["sh", "-c", `wget -qO- http://${other.hostIp}:${port}/big | md5sum`]);
        if (r.code !== 0 || r.out.startsWith("d41d8cd98f00b204e9800998ecf8427e")) throw new Error(r.out);
        return r.out.split(/\s+/)[0];
      }, 20, 200);
      assert.equal(got, want);
      await d.ok(["rm", "-f", c]);
    });
  } finally {
    other.remove();
  }
});
