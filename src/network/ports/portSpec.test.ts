import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../../errors/EngineError.js";
import { formatMapping, mappingsFor, parsePortKey } from "./portSpec.js";

const C = "172.18.0.2";
const short = (bindings: Parameters<typeof mappingsFor>[0], publishAll = false, exposed: string[] = []) =>
  mappingsFor(bindings, publishAll, exposed, C).map(formatMapping);

function throwsKind(fn: () => unknown, kind: string, text: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isEngineError(e), `not an EngineError: ${String(e)}`);
    assert.equal(e.kind, kind);
    assert.match(e.message, text);
    return true;
  });
}

test("portSpec: plain bindings, defaults for empty host ip and port", () => {
  assert.deepEqual(short({ "80/tcp": [{ HostIp: "", HostPort: "8080" }], "53/udp": [{ HostPort: "" }] }), [
    `tcp:0.0.0.0:8080:${C}:80`,
    `udp:0.0.0.0:0:${C}:53`,
  ]);
  assert.deepEqual(mappingsFor({ "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] }, false, [], C), [
    { proto: "tcp", hostIp: "127.0.0.1", hostPort: "8080", containerIp: C, containerPort: 80 },
  ]);
});

test("portSpec: a key without protocol is tcp; protocol is case-insensitive", () => {
  assert.deepEqual(short({ "80": [{ HostPort: "1" }], "81/UDP": [{ HostPort: "2" }] }), [`tcp:0.0.0.0:1:${C}:80`, `udp:0.0.0.0:2:${C}:81`]);
});

test("portSpec: several bindings of one port are all kept; null and [] are unpublished", () => {
  assert.deepEqual(short({ "80/tcp": [{ HostPort: "8080" }, { HostIp: "127.0.0.1", HostPort: "9090" }], "81/tcp": null, "82/tcp": [] }), [
    `tcp:0.0.0.0:8080:${C}:80`,
    `tcp:127.0.0.1:9090:${C}:80`,
  ]);
});

test("portSpec: a host range for one container port stays a range", () => {
  assert.deepEqual(short({ "80/tcp": [{ HostPort: "8000-8010" }] }), [`tcp:0.0.0.0:8000-8010:${C}:80`]);
});

test("portSpec: container ranges pair with host ranges of the same size, or get random ports", () => {
  assert.deepEqual(short({ "80-82/tcp": [{ HostPort: "9000-9002" }] }), [`tcp:0.0.0.0:9000:${C}:80`, `tcp:0.0.0.0:9001:${C}:81`, `tcp:0.0.0.0:9002:${C}:82`]);
  assert.deepEqual(short({ "80-81/udp": [{ HostPort: "" }] }), [`udp:0.0.0.0:0:${C}:80`, `udp:0.0.0.0:0:${C}:81`]);
  throwsKind(() => short({ "80-82/tcp": [{ HostPort: "9000-9001" }] }), "InvalidArgument", /80-82\/tcp.*invalid ranges specified for container and host Ports/);
  throwsKind(() => short({ "80-82/tcp": [{ HostPort: "9000" }] }), "InvalidArgument", /invalid ranges/);
});

test("portSpec: -P publishes exposed ports that have no binding on random ports", () => {
  assert.deepEqual(short({ "80/tcp": [{ HostPort: "8080" }] }, true, ["80/tcp", "443/tcp", "53/udp", "7000-7001/tcp"]), [
    `tcp:0.0.0.0:8080:${C}:80`,
    `tcp:0.0.0.0:0:${C}:443`,
    `udp:0.0.0.0:0:${C}:53`,
    `tcp:0.0.0.0:0:${C}:7000`,
    `tcp:0.0.0.0:0:${C}:7001`,
  ]);
  // The same port over udp is a different port; without -P exposed ports are not published.
  assert.deepEqual(short({ "80/tcp": [{ HostPort: "8080" }] }, true, ["80/udp"]), [`tcp:0.0.0.0:8080:${C}:80`, `udp:0.0.0.0:0:${C}:80`]);
  assert.deepEqual(short({}, false, ["80/tcp"]), []);
  // An exposed port whose binding list is empty is published by -P.
  assert.deepEqual(short({ "80/tcp": [] }, true, ["80/tcp"]), [`tcp:0.0.0.0:0:${C}:80`]);
});

test("portSpec: bad values are refused naming them", () => {
  throwsKind(() => short({ "80/foo": [{ HostPort: "1" }] }), "InvalidArgument", /80\/foo: invalid proto: foo/);
  throwsKind(() => short({ "80/sctp": [{ HostPort: "1" }] }), "NotImplemented", /sctp/);
  throwsKind(() => short({ "70000/tcp": [{ HostPort: "1" }] }), "InvalidArgument", /invalid containerPort: 70000/);
  throwsKind(() => short({ "0/tcp": [{ HostPort: "1" }] }), "InvalidArgument", /invalid containerPort: 0/);
  throwsKind(() => short({ "x/tcp": [{ HostPort: "1" }] }), "InvalidArgument", /invalid containerPort: x/);
  throwsKind(() => short({ "82-80/tcp": [{ HostPort: "1" }] }), "InvalidArgument", /invalid containerPort: 82-80/);
  throwsKind(() => short({ "80/tcp": [{ HostPort: "65536" }] }), "InvalidArgument", /80\/tcp: invalid hostPort: 65536/);
  throwsKind(() => short({ "80/tcp": [{ HostPort: "9-8" }] }), "InvalidArgument", /invalid hostPort: 9-8/);
  throwsKind(() => short({ "80/tcp": [{ HostPort: "0-8" }] }), "InvalidArgument", /invalid hostPort: 0-8/);
  throwsKind(() => short({ "80/tcp": [{ HostPort: "-1" }] }), "InvalidArgument", /invalid hostPort: -1/);
  throwsKind(() => short({ "80/tcp": [{ HostIp: "1.2.3", HostPort: "1" }] }), "InvalidArgument", /invalid host address: 1\.2\.3/);
  throwsKind(() => short({ "80/tcp": [{ HostIp: "::1", HostPort: "1" }] }), "NotImplemented", /IPv6 host addresses are not supported yet/);
  throwsKind(() => short({ "80/tcp": [{ HostIp: "[::]", HostPort: "1" }] }), "NotImplemented", /IPv6/);
  throwsKind(() => short({}, true, ["80/bogus"]), "InvalidArgument", /exposed port 80\/bogus: invalid proto/);
  throwsKind(() => mappingsFor({}, false, [], "fe80::1"), "InvalidArgument", /invalid container address/);
});

test("portSpec: parsePortKey", () => {
  assert.deepEqual(parsePortKey("80"), { proto: "tcp", first: 80, last: 80 });
  assert.deepEqual(parsePortKey("1000-1002/udp"), { proto: "udp", first: 1000, last: 1002 });
});
