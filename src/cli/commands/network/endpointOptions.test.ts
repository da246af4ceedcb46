import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isValidMac, networkingFor, parseDriverOpts, parseNetworkFlag } from "./endpointOptions.js";

const none = { aliases: [], linkLocalIPs: [] };

test("--network values and the per-container flags become NetworkMode and endpoints like docker's", () => {
  const cases: [string[], Parameters<typeof networkingFor>[1], string, Record<string, unknown>][] = [
    // No --network: the "default" network, with an (empty) endpoint.
    [[], none, "default", { default: {} }],
    [[], { ...none, ipv4: "10.0.0.5" }, "default", { default: { IPAMConfig: { IPv4Address: "10.0.0.5" } } }],
    // One network without options: no endpoint, the daemon makes it.
    [["a"], none, "a", {}],
    [["host"], none, "host", {}],
    [["container:abc"], none, "container:abc", {}],
    [["a"], { aliases: ["x", "y"], linkLocalIPs: [], ipv4: "10.0.0.5", mac: "02:42:ac:11:00:02" }, "a", {
      a: { Aliases: ["x", "y"], IPAMConfig: { IPv4Address: "10.0.0.5" }, MacAddress: "02:42:ac:11:00:02" },
    }],
    // Several networks: one endpoint each; the flags go to the first.
    [["a", "b"], { ...none, aliases: ["x"] }, "a", { a: { Aliases: ["x"] }, b: {} }],
    [["name=A,Alias=XY,ip=10.0.0.9,driver-opt=k=v,mac-address=02:00:00:00:00:01", "b"], none, "a", {
      a: { Aliases: ["xy"], IPAMConfig: { IPv4Address: "10.0.0.9" }, DriverOpts: { k: "v" }, MacAddress: "02:00:00:00:00:01" }, b: {},
    }],
    [["bridge"], { ...none, ipv4: "172.17.0.9" }, "bridge", { bridge: { IPAMConfig: { IPv4Address: "172.17.0.9" } } }],
  ];
  for (const [networks, flags, mode, endpoints] of cases) {
    const r = networkingFor(networks, flags);
    assert.equal(r.mode, mode, networks.join(" "));
    assert.deepEqual(r.endpoints, endpoints, networks.join(" "));
  }
});

test("conflicts and invalid values fail with docker's words", () => {
  const cases: [string[], Parameters<typeof networkingFor>[1], string][] = [
    [[], { ...none, aliases: ["x"] }, "network-scoped aliases are only supported for user-defined networks"],
    [["host"], { ...none, aliases: ["x"] }, "network-scoped aliases are only supported for user-defined networks"],
    [["none"], { ...none, aliases: ["x"] }, "network-scoped aliases are only supported for user-defined networks"],
    [["a", "a"], none, 'network "a" is specified multiple times'],
    [["host", "a"], none, "conflicting options: cannot attach both user-defined and non-user-defined network-modes"],
    [["name=x,alias=y"], { ...none, aliases: ["z"] }, "conflicting options: cannot specify both --network-alias and per-network alias"],
    [["name=x,ip=10.0.0.1"], { ...none, ipv4: "10.0.0.2" }, "conflicting options: cannot specify both --ip and per-network IPv4 address"],
    [["a"], { ...none, mac: "zz" }, "zz is not a valid mac address"],
    [["name=a,mac-address=zz"], none, "zz is not a valid mac address"],
  ];
  for (const [networks, flags, message] of cases) {
    assert.throws(() => networkingFor(networks, flags), (e: Error & { kind?: string }) => e.message === message && e.kind === "InvalidArgument", message);
  }
  assert.throws(() => parseNetworkFlag("foo=bar"), /^EngineError: invalid field key foo$/);
  assert.throws(() => parseNetworkFlag("alias=x"), /network name\/id is not specified/);
  assert.throws(() => parseNetworkFlag("name=a,driver-opt=x"), /invalid key value pair format in driver options/);
  assert.throws(() => parseNetworkFlag("name=a,gw-priority=x"), /invalid gw-priority/);
  assert.deepEqual(parseNetworkFlag('name=a,"driver-opt=k=v,w"'), { target: "a", aliases: [], linkLocalIPs: [], driverOpts: { k: "v,w" } });
});

test("connect's --driver-opt and MAC addresses as Go parses them", () => {
  assert.equal(parseDriverOpts([]), undefined);
  assert.deepEqual(parseDriverOpts(["a=1", " b = 2 "]), { a: "1", b: "2" });
  assert.throws(() => parseDriverOpts(["x"]), /invalid key\/value pair format in driver options/);
  assert.throws(() => parseDriverOpts(["=x"]), /invalid key\/value pair format in driver options/);
  for (const ok of ["02:42:ac:11:00:02", "02-42-AC-11-00-02", "0242.ac11.0002", "00:00:00:00:fe:80:00:00"]) assert.ok(isValidMac(ok), ok);
  for (const bad of ["zz", "02:42:ac:11:00", "02:42-ac:11:00:02", "0242ac110002", ""]) assert.ok(!isValidMac(bad), bad);
});
