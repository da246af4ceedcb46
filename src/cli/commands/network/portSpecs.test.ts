import { test } from "node:test";
import { strict as assert } from "node:assert";
import { parsePortRange, parsePortSpecs, splitProtoPort } from "./portSpecs.js";

test("-p specs become docker's ExposedPorts and PortBindings (nat.ParsePortSpecs)", () => {
  const cases: [string[], Record<string, { HostIp: string; HostPort: string }[]>][] = [
    [["80"], { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    [["8080:80"], { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    [["127.0.0.1:8080:80/udp"], { "80/udp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] }],
    [["127.0.0.1::53"], { "53/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] }],
    [["[::1]:90:90"], { "90/tcp": [{ HostIp: "::1", HostPort: "90" }] }],
    [["::1:91:91"], { "91/tcp": [{ HostIp: "::1", HostPort: "91" }] }],
    [["80/SCTP"], { "80/sctp": [{ HostIp: "", HostPort: "" }] }],
    [["80/"], { "80/tcp": [{ HostIp: "", HostPort: "" }] }],
    [["08080:80"], { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    [["8000-8002:80-82/udp"], {
      "80/udp": [{ HostIp: "", HostPort: "8000" }], "81/udp": [{ HostIp: "", HostPort: "8001" }], "82/udp": [{ HostIp: "", HostPort: "8002" }],
    }],
    // A host range for one container port is the range the daemon picks a free port from.
    [["5000-5010:22"], { "22/tcp": [{ HostIp: "", HostPort: "5000-5010" }] }],
    [["7-8"], { "7/tcp": [{ HostIp: "", HostPort: "" }], "8/tcp": [{ HostIp: "", HostPort: "" }] }],
    // Two bindings of one port, in flag order.
    [["8080:80", "127.0.0.1:9090:80"], { "80/tcp": [{ HostIp: "", HostPort: "8080" }, { HostIp: "127.0.0.1", HostPort: "9090" }] }],
    // The CLI's long form.
    [["target=80,published=8080"], { "80/tcp": [{ HostIp: "", HostPort: "8080" }] }],
    [["target=53,protocol=udp"], { "53/udp": [{ HostIp: "", HostPort: "" }] }],
  ];
  for (const [specs, bindings] of cases) {
    const r = parsePortSpecs(specs);
    assert.deepEqual(r.bindings, bindings, specs.join(" "));
    assert.deepEqual(Object.keys(r.exposed).sort(), Object.keys(bindings).sort(), specs.join(" "));
  }
});

test("--expose adds ports (and ranges) to the exposed set only", () => {
  const r = parsePortSpecs(["8080:80"], ["100-102", "53/udp", "80"]);
  assert.deepEqual(Object.keys(r.exposed).sort(), ["100/tcp", "101/tcp", "102/tcp", "53/udp", "80/tcp"]);
  assert.deepEqual(Object.keys(r.bindings), ["80/tcp"]);
});

test("bad -p and --expose values fail with docker's words", () => {
  const cases: [string[], string[], string][] = [
    [["x"], [], "invalid containerPort: x"],
    [["80x"], [], "invalid containerPort: 80x"],
    [["70000"], [], "invalid containerPort: 70000"],
    [["80/xyz"], [], "invalid proto: xyz"],
    [["1.2.3:80:80"], [], "invalid IP address: 1.2.3"],
    [["[::1:80:80"], [], "invalid IP address [::1: missing ']' in address"],
    [["70000:80"], [], "invalid hostPort: 70000"],
    [["10-5:80"], [], "invalid hostPort: 10-5"],
    [["8000-8010:80-85"], [], "invalid ranges specified for container and host Ports: 80-85 and 8000-8010"],
    [["published=8080"], [], "no port specified: 8080:/tcp<empty>"],
    [["target"], [], "invalid containerPort: target"],
    [["target=80,bogus"], [], "invalid publish opts format (should be name=value but got 'bogus')"],
    [[], ["80:90"], "invalid port format for --expose: 80:90"],
    [[], ["a-b"], 'invalid range format for --expose: a-b, error: strconv.ParseUint: parsing "a": invalid syntax'],
    [[], ["9-3"], "invalid range format for --expose: 9-3, error: invalid range specified for port: 9-3"],
  ];
  for (const [publish, expose, message] of cases) {
    assert.throws(() => parsePortSpecs(publish, expose), (e: Error & { kind?: string }) => e.message === message && e.kind === "InvalidArgument", `${publish} ${expose}`);
  }
});

test("the pieces: port ranges and proto splitting", () => {
  assert.deepEqual(parsePortRange("80"), [80, 80]);
  assert.deepEqual(parsePortRange("80-90"), [80, 90]);
  assert.throws(() => parsePortRange(""), /empty string specified for ports/);
  assert.throws(() => parsePortRange("+1"), /invalid syntax/);
  assert.throws(() => parsePortRange("65536"), /value out of range/);
  assert.deepEqual(splitProtoPort("80/udp"), ["udp", "80"]);
  assert.deepEqual(splitProtoPort("80"), ["tcp", "80"]);
  assert.deepEqual(splitProtoPort("/udp"), ["", ""]);
});
