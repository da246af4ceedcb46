import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../../errors/EngineError.js";
import { allowRulesOf, parseAllowLabel } from "./allowLabel.js";

test("rules: names, addresses, CIDRs, host; ports, ranges and protocols", () => {
  assert.deepEqual(parseAllowLabel(" api:80 , DB:5432/TCP,10.1.2.3, 10.1.2.3/24:53/udp,host:8000-8080,web.mynet "), [
    { target: { kind: "name", name: "api" }, ports: { proto: "tcp", from: 80, to: 80 }, text: "api:80" },
    { target: { kind: "name", name: "db" }, ports: { proto: "tcp", from: 5432, to: 5432 }, text: "DB:5432/TCP" },
    { target: { kind: "cidr", cidr: "10.1.2.3/32" }, text: "10.1.2.3" },
    { target: { kind: "cidr", cidr: "10.1.2.0/24" }, ports: { proto: "udp", from: 53, to: 53 }, text: "10.1.2.3/24:53/udp" },
    { target: { kind: "host" }, ports: { proto: "tcp", from: 8000, to: 8080 }, text: "host:8000-8080" },
    { target: { kind: "name", name: "web.mynet" }, text: "web.mynet" },
  ]);
  // A name of digits only (a short id may be) is a name, not an address.
  assert.deepEqual(parseAllowLabel("123456789012"), [{ target: { kind: "name", name: "123456789012" }, text: "123456789012" }]);
});

test("an empty label allows nothing; no label is no policy", () => {
  assert.deepEqual(parseAllowLabel(""), []);
  assert.deepEqual(parseAllowLabel("  "), []);
  assert.deepEqual(allowRulesOf({ "berth.network.allow": "" }), []);
  assert.equal(allowRulesOf({ other: "x" }), undefined);
  assert.equal(allowRulesOf(undefined), undefined);
});

test("bad rules: InvalidArgument naming the label and the rule", () => {
  const bad: [string, RegExp][] = [
    ["api:80,,db", /rule "": empty rule/],
    ["api:80,", /rule "": empty rule/],
    [":80", /rule ":80": no target/],
    ["api:", /rule "api:": port "": want a port 1-65535/],
    ["api:0", /port "0"/],
    ["api:65536", /port "65536"/],
    ["api:http", /port "http"/],
    ["api:80/sctp", /protocol "sctp": want tcp or udp/],
    ["api:90-80", /port range 90-80 is reversed/],
    ["api:1-2-3", /port "1-2-3"/],
    ["10.1.2", /"10.1.2" is not an IPv4 address/],
    ["10.1.2.300", /is not an IPv4 address/],
    ["10.1.2.0/33", /"10.1.2.0\/33" is not an IPv4 CIDR/],
    ["api server", /"api server" is not a valid container name/],
    ["-api", /"-api" is not a valid container name/],
    ['a"b', /is not a valid container name/],
  ];
  for (const [label, msg] of bad) {
    assert.throws(() => parseAllowLabel(label), (e) => isEngineError(e, "InvalidArgument") && e.message.startsWith("invalid label berth.network.allow: rule ") && msg.test(e.message), label);
  }
});

test("checkAllowLabelMode: refused with host and container: modes, fine on networks and none", async () => {
  const { checkAllowLabelMode } = await import("./allowLabel.js");
  const labels = { "berth.network.allow": "api:80" };
  for (const m of ["network", "none"] as const) checkAllowLabelMode(m, labels);
  for (const m of ["host", "container"] as const) {
    assert.throws(() => checkAllowLabelMode(m, labels), (e) => isEngineError(e, "InvalidArgument") && e.message.includes(`network mode ${m}`));
    checkAllowLabelMode(m, { other: "x" });
  }
  assert.throws(() => checkAllowLabelMode("network", { "berth.network.allow": "api:0" }), (e) => isEngineError(e, "InvalidArgument"));
});
