/**
 * The default bridge network end to end with the real docker CLI: a container's address,
 * route, /etc files and inspect fields, outbound to the host, host-gateway and --dns, the
 * network events; container:<name> sharing a network; Docker's conflicting-option errors —
 * and nothing left behind (veths, netns files; checked by the daemon helper's cleanup).
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bridgePorts, daemonSkipReason } from "../helpers/daemon.js";
import { eventually, inspect, withDaemon } from "./network-support.js";

const skip = daemonSkipReason() ?? false;

// Checked against Debian's dockerd 20.10 on a bridge without IPv6: `ip addr` in the container
// shows no inet6 and all/eth0 disable_ipv6 read 1; --sysctl turns it back on.
test("IPv6 is off in a bridged container, as Docker does for a network without IPv6; --sysctl turns it on", { skip }, async () => {
  await withDaemon(async (d) => {
    const off = await d.ok(["run", "--rm", "busybox", "sh", "-c", "ip -6 addr; cat /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/eth0/disable_ipv6"]);
    assert.equal(off, "1\n1", "no IPv6 address on any interface, disabled for all and eth0");
    const on = await d.ok(["run", "--rm", "--sysctl", "net.ipv6.conf.all.disable_ipv6=0", "busybox", "sh", "-c", "cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6; ip -6 addr show dev eth0"]);
    assert.match(on, /^0\n[\s\S]*inet6 fe80::/, "the user's sysctl wins");
  });
});

test("default bridge: address, route, /etc files, inspect, ping the gateway; stop takes it all down", { skip }, async () => {
  await withDaemon(async (d) => {
    const gateway = d.bip.split("/")[0];
    const subnet = gateway.split(".").slice(0, 3).join(".");
    const since = String(Date.now() / 1000);
    const id = await d.ok(["run", "-d", "--name", "berth-test-web", "--add-host", "gw:host-gateway", "busybox", "sleep", "300"]);
    const c = await inspect(d, id);
    const ns = c.NetworkSettings;
    assert.equal(c.HostConfig.NetworkMode, "bridge");
    assert.match(ns.IPAddress, new RegExp(`^${subnet.replace(/\./g, "\\.")}\\.\\d+$`));
    assert.equal(ns.Gateway, gateway);
    assert.equal(ns.IPPrefixLen, 24);
    assert.match(ns.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(ns.SandboxKey, join(d.execRoot, "netns", id));
    assert.deepEqual(Object.keys(ns.Networks), ["bridge"]);
    const br = ns.Networks.bridge;
    assert.equal(br.IPAddress, ns.IPAddress);
    assert.equal(br.Gateway, gateway);
    assert.match(br.NetworkID, /^[0-9a-f]{64}$/);
    assert.match(br.EndpointID, /^[0-9a-f]{64}$/);
    assert.equal(br.NetworkID, (await d.ok(["network", "inspect", "-f", "{{.Id}}", "bridge"])));
    assert.ok(existsSync(ns.SandboxKey));
    assert.equal(bridgePorts(d.bridge).length, 1, "one veth on the daemon's bridge");

    const inside = await d.ok(["exec", id, "sh", "-c", "ip -4 -o addr show eth0; ip route; cat /etc/hosts; cat /etc/resolv.conf; hostname"]);
    assert.match(inside, new RegExp(`inet ${ns.IPAddress}/24`));
    assert.match(inside, new RegExp(`default via ${gateway} dev eth0`));
    assert.match(inside, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(inside, /^::1\tlocalhost ip6-localhost ip6-loopback$/m);
    assert.match(inside, /^ff02::2\tip6-allrouters$/m);
    assert.match(inside, new RegExp(`^${ns.IPAddress}\\t${id.slice(0, 12)}$`, "m"));
    assert.match(inside, new RegExp(`^${gateway}\\tgw$`, "m"), "host-gateway is the default bridge's gateway");
    assert.match(inside, /^nameserver /m);
    // Outbound to the host: its address on the bridge answers.
    await d.ok(["exec", id, "ping", "-c", "1", "-W", "2", gateway]);

    // ps shows the network; the network filter selects by name and by id.
    assert.equal(await d.ok(["ps", "-q", "--filter", "network=bridge"]), id.slice(0, 12));
    assert.equal(await d.ok(["ps", "-q", "--filter", `network=${br.NetworkID}`]), id.slice(0, 12));
    assert.equal(await d.ok(["ps", "-q", "--filter", "network=host"]), "");

    await d.ok(["stop", "-t", "0", id]);
    assert.deepEqual(bridgePorts(d.bridge), [], "the veth went with the container's exit");
    assert.equal(existsSync(ns.SandboxKey), false, "the netns file went with it");
    const stopped = (await inspect(d, id)).NetworkSettings;
    assert.equal(stopped.IPAddress, "");
    assert.equal(stopped.SandboxKey, "");
    assert.equal(stopped.Networks.bridge.IPAddress, "", "a stopped container keeps its network without an address");
    assert.equal(stopped.Networks.bridge.NetworkID, br.NetworkID);
    // Started again it gets its network back.
    await d.ok(["start", id]);
    await d.ok(["exec", id, "ping", "-c", "1", "-W", "2", gateway]);
    await d.ok(["rm", "-f", id]);

    const events = await d.ok(["events", "--since", since, "--until", String(Date.now() / 1000), "--filter", "type=network", "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}"]);
    const lines = events.split("\n");
    assert.deepEqual(lines, [`connect bridge ${id}`, `disconnect bridge ${id}`, `connect bridge ${id}`, `disconnect bridge ${id}`]);
  });
});

test("--dns, --dns-search, --dns-option; host mode keeps the host's network; none has only lo", { skip }, async () => {
  await withDaemon(async (d) => {
    const resolv = await d.ok(["run", "--rm", "--dns", "192.0.2.53", "--dns-search", "berth.test", "--dns-option", "ndots:3", "busybox", "cat", "/etc/resolv.conf"]);
    assert.match(resolv, /^nameserver 192\.0\.2\.53$/m);
    assert.doesNotMatch(resolv, new RegExp(`nameserver ${d.bip.split("/")[0]}`));
    assert.match(resolv, /^search berth\.test$/m);
    assert.match(resolv, /^options ndots:3$/m);
    // --network host: the host's interfaces, among them the daemon's bridge.
    const host = await d.ok(["run", "--rm", "--network", "host", "busybox", "ip", "-o", "link"]);
    assert.match(host, new RegExp(`: ${d.bridge}:`));
    const none = await d.ok(["run", "--rm", "--network", "none", "busybox", "ip", "-o", "link"]);
    assert.deepEqual(none.split("\n").map((l) => l.split(": ")[1]), ["lo"]);
    const warn = await d.docker(["run", "--rm", "--network", "host", "-p", "8080:80", "busybox", "true"]);
    assert.equal(warn.code, 0);
    assert.match(warn.stderr, /Published ports are discarded when using host network mode/);
    assert.deepEqual(bridgePorts(d.bridge), []);
  });
});

test("container:<name> shares the target's network: same address, its localhost server, its hostname", { skip }, async () => {
  await withDaemon(async (d) => {
    const srv = await d.ok(["run", "-d", "--name", "berth-test-srv", "busybox", "sh", "-c", "mkdir /www && echo shared > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www"]);
    const ip = (await inspect(d, srv)).NetworkSettings.IPAddress;
    assert.ok(ip);
    const out = await eventually(() => d.ok(["run", "--rm", "--network", "container:berth-test-srv", "busybox", "sh", "-c", "ip -4 -o addr show eth0; hostname; wget -qO- http://127.0.0.1:8080/"]));
    assert.match(out, new RegExp(`inet ${ip}/`));
    assert.match(out, new RegExp(`^${srv.slice(0, 12)}$`, "m"), "the target's hostname");
    assert.match(out, /^shared$/m, "the target's localhost server");
    const joined = await d.ok(["create", "--network", "container:berth-test-srv", "busybox", "true"]);
    const j = await inspect(d, joined);
    assert.equal(j.HostConfig.NetworkMode, `container:${srv}`, "stored with the target's full ID, as dockerd does");
    assert.deepEqual(j.NetworkSettings.Networks, {});
    assert.equal(j.HostsPath, (await inspect(d, srv)).HostsPath, "the target's /etc/hosts");

    // Docker's refusals.
    const hostname = await d.docker(["run", "--rm", "--network", "container:berth-test-srv", "-h", "x", "busybox", "true"]);
    assert.notEqual(hostname.code, 0);
    assert.match(hostname.stderr, /conflicting options: hostname and the network mode/);
    const publish = await d.docker(["run", "--rm", "--network", "container:berth-test-srv", "-p", "80:80", "busybox", "true"]);
    assert.notEqual(publish.code, 0);
    assert.match(publish.stderr, /conflicting options: port publishing and the container type network mode/);
    await d.ok(["stop", "-t", "0", srv]);
    const notRunning = await d.docker(["start", joined]);
    assert.notEqual(notRunning.code, 0);
    assert.match(notRunning.stderr, new RegExp(`cannot join network of a non running container: ${srv}`));
    for (const m of ["host", "none"]) {
      const ipArg = await d.docker(["run", "--rm", "--network", m, "--ip", "10.1.2.3", "busybox", "true"]);
      assert.notEqual(ipArg.code, 0);
      assert.match(ipArg.stderr, /user specified IP address is supported only when connecting to networks with user configured subnets/);
      const mac = await d.docker(["run", "--rm", "--network", m, "--mac-address", "02:42:ac:11:00:99", "busybox", "true"]);
      assert.notEqual(mac.code, 0);
      assert.match(mac.stderr, /conflicting options: mac-address and the network mode/);
    }
  });
});
