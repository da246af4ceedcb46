import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { ContainerRecord } from "./ContainerRecord.js";
import { endpointView, networkSettingsView, parseNetworkMode, portsSummary, recordedNetworks } from "./containerNetworkView.js";

const rec = (NetworkMode: string, endpoints?: ContainerRecord["endpoints"]): ContainerRecord => ({
  id: "a".repeat(64), name: "c", created: "", image: "busybox", imageId: "sha256:x" as ContainerRecord["imageId"], config: {}, hostConfig: { NetworkMode },
  path: "sh", args: [], state: { status: "exited", pid: 0, exitCode: 0, startedAt: "", finishedAt: "", oomKilled: false, error: "" },
  restartCount: 0, dir: "/x", logPath: "/x/l", owner: "", endpoints,
});

test("network modes: Docker's names", () => {
  assert.deepEqual(parseNetworkMode(""), { kind: "network", network: "bridge" });
  assert.deepEqual(parseNetworkMode("default"), { kind: "network", network: "bridge" });
  assert.deepEqual(parseNetworkMode("bridge"), { kind: "network", network: "bridge" });
  assert.deepEqual(parseNetworkMode("mynet"), { kind: "network", network: "mynet" });
  assert.deepEqual(parseNetworkMode("host"), { kind: "host" });
  assert.deepEqual(parseNetworkMode("none"), { kind: "none" });
  assert.deepEqual(parseNetworkMode("container:web"), { kind: "container", target: "web" });
});

test("a stopped container shows its recorded networks without addresses", () => {
  const r = rec("mynet", { mynet: { NetworkID: "n1", Aliases: ["web"], IPAMConfig: { IPv4Address: "10.0.0.9" }, IPAddress: "10.0.0.9", Gateway: "10.0.0.1", IPPrefixLen: 24, EndpointID: "e" } });
  const n = recordedNetworks(r).mynet;
  assert.equal(n.NetworkID, "n1");
  assert.deepEqual(n.Aliases, ["web"]);
  assert.deepEqual(n.IPAMConfig, { IPv4Address: "10.0.0.9" });
  assert.equal(n.IPAddress, "");
  assert.equal(n.Gateway, "");
  assert.equal(n.IPPrefixLen, 0);
  assert.equal(n.EndpointID, "");
  assert.deepEqual(Object.keys(recordedNetworks(rec("host"))), ["host"]);
  assert.deepEqual(Object.keys(recordedNetworks(rec("none"))), ["none"]);
  assert.deepEqual(recordedNetworks(rec("container:x")), {});
  assert.deepEqual(networkSettingsView(r).Ports, {});
  assert.equal(networkSettingsView(r).SandboxKey, "");
});

test("a running container: live networks; the legacy top-level fields only for the default bridge", () => {
  const view = {
    networks: { bridge: endpointView({ IPAddress: "10.1.0.2", Gateway: "10.1.0.1", IPPrefixLen: 24, MacAddress: "02:42:0a:01:00:02", NetworkID: "b", EndpointID: "e1" }) },
    ports: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] },
  };
  const s = networkSettingsView(rec("bridge"), { view, sandboxKey: "/run/berth/netns/x" });
  assert.equal(s.IPAddress, "10.1.0.2");
  assert.equal(s.Gateway, "10.1.0.1");
  assert.equal(s.IPPrefixLen, 24);
  assert.equal(s.MacAddress, "02:42:0a:01:00:02");
  assert.equal(s.EndpointID, "e1");
  assert.equal(s.SandboxKey, "/run/berth/netns/x");
  assert.deepEqual(s.Ports, view.ports);
  const u = networkSettingsView(rec("mynet"), { view: { networks: { mynet: view.networks.bridge }, ports: {} }, sandboxKey: "/n" });
  assert.equal(u.IPAddress, "");
  assert.equal(u.Networks.mynet.IPAddress, "10.1.0.2");
});

test("ps ports: one Port per binding, exposed-only ports without a public side", () => {
  assert.deepEqual(portsSummary({ "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "32768" }, { HostIp: "::", HostPort: "32768" }], "53/udp": null, "9/tcp": [] }), [
    { IP: "0.0.0.0", PrivatePort: 80, PublicPort: 32768, Type: "tcp" },
    { IP: "::", PrivatePort: 80, PublicPort: 32768, Type: "tcp" },
    { PrivatePort: 53, Type: "udp" },
    { PrivatePort: 9, Type: "tcp" },
  ]);
});
