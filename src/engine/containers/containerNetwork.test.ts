import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { HostConfig } from "../../api/types/container.js";
import type { EndpointSettings } from "../../api/types/network.js";
import type { ContainerNetworking } from "../../network/types.js";
import type { ContainerContext } from "./ContainerContext.js";
import { checkNetworking, parseExtraHost } from "./containerNetwork.js";
import { portFiltersMatch } from "./listFilters.js";

/** A network service that only validates: records what it was asked. */
function fakeNetworks(calls: unknown[]): ContainerNetworking {
  const no = () => { throw new Error("not in this test"); };
  return {
    validate: (mode, eps, pb, exposed) => {
      calls.push([mode, eps, pb, exposed]);
      return { [mode]: { NetworkID: `id-${mode}`, ...(eps?.[mode] ?? {}) } as EndpointSettings };
    },
    setUp: no, tearDown: no, netnsPath: no, view: no, connect: no, disconnect: no, resolveName: no, restore: no,
  };
}

const ctx = (networks?: ContainerNetworking) => ({ networks } as unknown as ContainerContext);
const check = (hc: HostConfig, user: Record<string, unknown> = {}, eps?: Record<string, EndpointSettings>, networks?: ContainerNetworking) =>
  checkNetworking(ctx(networks), user, user, hc, eps);

test("container:<id> mode refuses what would configure a network it does not own (moby's words)", () => {
  const c = { NetworkMode: "container:web" };
  assert.deepEqual(check(c).warnings, []);
  assert.throws(() => check(c, { Hostname: "h" }), /^EngineError: conflicting options: hostname and the network mode$/);
  assert.throws(() => check({ ...c, Dns: ["1.1.1.1"] }), /conflicting options: dns and the network mode/);
  assert.throws(() => check({ ...c, ExtraHosts: ["a:1.2.3.4"] }), /conflicting options: custom host-to-IP mapping and the network mode/);
  assert.throws(() => check({ ...c, PortBindings: { "80/tcp": [{ HostPort: "80" }] } }), /port publishing and the container type network mode/);
  assert.throws(() => check({ ...c, PublishAllPorts: true }), /port publishing/);
  assert.throws(() => check(c, { ExposedPorts: { "80/tcp": {} } }), /port exposing and the container type network mode/);
  assert.throws(() => check(c, {}, { "container:web": { MacAddress: "02:00:00:00:00:01" } }), /mac-address and the network mode/);
  assert.throws(() => check({ NetworkMode: "container:" }), /invalid container format container:<name\|id>/);
});

test("host and none: no --ip or --mac-address; host discards published ports with a warning", () => {
  for (const m of ["host", "none"]) {
    assert.throws(() => check({ NetworkMode: m }, {}, { [m]: { IPAMConfig: { IPv4Address: "10.1.0.5" } } }), (e: Error) => (e as { kind?: string }).kind === "InvalidArgument" && /user specified IP address/.test(e.message));
    assert.throws(() => check({ NetworkMode: m }, {}, { [m]: { MacAddress: "02:00:00:00:00:01" } }), /mac-address and the network mode/);
  }
  assert.deepEqual(check({ NetworkMode: "host", PortBindings: { "80/tcp": [{ HostPort: "80" }] } }).warnings, ["Published ports are discarded when using host network mode"]);
  assert.equal(check({ NetworkMode: "host" }).endpoints, undefined);
});

test("a bridge network: the network service validates and its answer is what gets recorded", () => {
  const calls: unknown[] = [];
  const r = check({ NetworkMode: "mynet", PortBindings: { "80/tcp": [{ HostPort: "8080" }] } }, { ExposedPorts: { "80/tcp": {}, "53/udp": {} } }, { mynet: { Aliases: ["web"] } }, fakeNetworks(calls));
  assert.deepEqual(r.endpoints, { mynet: { NetworkID: "id-mynet", Aliases: ["web"] } });
  assert.deepEqual(calls, [["mynet", { mynet: { Aliases: ["web"] } }, { "80/tcp": [{ HostPort: "8080" }] }, ["80/tcp", "53/udp"]]]);
  // Without a network service a named network is unknown, the default bridge runs without a network.
  assert.throws(() => check({ NetworkMode: "mynet" }), /network mynet not found/);
  assert.match(check({ NetworkMode: "bridge" }).warnings[0], /no bridge network/);
});

test("--add-host: name:ip, name=ip, [v6]; bad forms name the flag", () => {
  assert.deepEqual(parseExtraHost("db:10.0.0.3"), { host: "db", ip: "10.0.0.3" });
  assert.deepEqual(parseExtraHost("db=10.0.0.3"), { host: "db", ip: "10.0.0.3" });
  assert.deepEqual(parseExtraHost("v6:[::1]"), { host: "v6", ip: "::1" });
  assert.deepEqual(parseExtraHost("gw:host-gateway"), { host: "gw", ip: "host-gateway" });
  assert.throws(() => parseExtraHost("nohost"), /for "--add-host" flag/);
  assert.throws(() => parseExtraHost(":1.2.3.4"), /for "--add-host" flag/);
});

test("ps publish/expose filters: container ports with a host binding / exposed, ranges and protocols", () => {
  const f = (k: string, ...v: string[]) => new Map([[k, new Set(v)]]);
  const ports = [{ IP: "0.0.0.0", PrivatePort: 80, PublicPort: 32768, Type: "tcp" as const }, { PrivatePort: 53, Type: "udp" as const }];
  assert.equal(portFiltersMatch(f("publish", "80"), ports, []), true);
  assert.equal(portFiltersMatch(f("publish", "80/udp"), ports, []), false);
  assert.equal(portFiltersMatch(f("publish", "53/udp"), ports, []), false);
  assert.equal(portFiltersMatch(f("publish", "70-90/tcp"), ports, []), true);
  assert.equal(portFiltersMatch(f("expose", "53/udp"), ports, []), true);
  assert.equal(portFiltersMatch(f("expose", "8080"), [], ["8080/tcp"]), true);
  assert.equal(portFiltersMatch(f("expose", "8081"), [], ["8080/tcp"]), false);
  assert.throws(() => portFiltersMatch(f("publish", "http"), ports, []), /invalid filter 'publish=http'/);
});

test("berth.network.allow is refused where berth does not own the netns (host, container:)", () => {
  const labels = { "berth.network.allow": "api:80" };
  assert.throws(() => check({ NetworkMode: "host" }, { Labels: labels }), /network mode host/);
  assert.throws(() => check({ NetworkMode: "container:web" }, { Labels: labels }), /network mode container/);
  assert.deepEqual(check({ NetworkMode: "none" }, { Labels: labels }).warnings, []);
});

test("HostConfig.Links on a user network become the mode network's endpoint links unless it has its own", () => {
  const calls: unknown[] = [];
  const nets = fakeNetworks(calls);
  // An API client sending only HostConfig.Links.
  assert.deepEqual(check({ NetworkMode: "mynet", Links: ["db:database"] }, {}, undefined, nets).endpoints, { mynet: { NetworkID: "id-mynet", Links: ["db:database"] } });
  // The docker CLI sends both: the endpoint's are kept.
  assert.deepEqual(check({ NetworkMode: "mynet", Links: ["db:database"] }, {}, { mynet: { Links: ["db:database"], Aliases: ["a"] } }, nets).endpoints, { mynet: { NetworkID: "id-mynet", Links: ["db:database"], Aliases: ["a"] } });
  assert.deepEqual(check({ NetworkMode: "mynet", Links: ["db:x"] }, {}, { mynet: { Links: ["db:y"] } }, nets).endpoints, { mynet: { NetworkID: "id-mynet", Links: ["db:y"] } });
  // Other settings of that endpoint stay with the links.
  assert.deepEqual(check({ NetworkMode: "mynet", Links: ["db"] }, {}, { mynet: { Aliases: ["a"] } }, nets).endpoints, { mynet: { NetworkID: "id-mynet", Aliases: ["a"], Links: ["db"] } });
});
