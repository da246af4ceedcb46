import { test } from "node:test";
import { strict as assert } from "node:assert";
import { validateProcess, validateSpec } from "./validate.js";
import { defaultSpec } from "./defaults.js";

const good = () => JSON.parse(JSON.stringify(defaultSpec({ args: ["sh"] })));

test("the default spec is valid", () => {
  assert.doesNotThrow(() => validateSpec(good()));
});

test("errors name the offending field", () => {
  const cases: [(s: any) => void, RegExp][] = [
    [(s) => delete s.ociVersion, /validate spec: ociVersion: missing/],
    [(s) => (s.ociVersion = "2.0.0"), /ociVersion: unsupported version "2\.0\.0"/],
    [(s) => delete s.root, /validate spec: root: missing/],
    [(s) => (s.root.path = 5), /root\.path: expected a string, got number 5/],
    [(s) => delete s.process, /validate spec: process: missing/],
    [(s) => (s.process.user.uid = -1), /process\.user\.uid: expected a non-negative integer, got -1/],
    [(s) => (s.process.args = []), /process\.args: must not be empty/],
    [(s) => (s.process.args = ["a", 3]), /process\.args\[1\]: expected a string/],
    [(s) => (s.process.env = ["NOEQUALS"]), /process\.env\[0\]: expected KEY=VALUE/],
    [(s) => (s.process.cwd = "relative"), /process\.cwd: must be an absolute path/],
    [(s) => (s.process.capabilities.sideways = []), /process\.capabilities\.sideways: unknown capability set/],
    [(s) => (s.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: "x", hard: 1 }]), /process\.rlimits\[0\]\.soft: expected a number/],
    [(s) => (s.mounts[1].destination = "dev"), /mounts\[1\]\.destination: must be an absolute path/],
    [(s) => (s.mounts[1].options = "ro"), /mounts\[1\]\.options: expected an array/],
    [(s) => (s.hooks = { poststart: [{}] }), /hooks\.poststart\[0\]\.path: missing/],
    [(s) => (s.hooks = { later: [] }), /hooks\.later: unknown hook phase/],
    [(s) => (s.linux.namespaces = [{ type: "nope" }]), /linux\.namespaces\[0\]\.type: unknown namespace type "nope"/],
    [(s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 1 }]), /linux\.uidMappings\[0\]\.size: missing/],
    [(s) => (s.linux.sysctl = { "net.x": 1 }), /linux\.sysctl\["net\.x"\]: expected a string/],
    [(s) => (s.linux.devices = [{ path: "/dev/x" }]), /linux\.devices\[0\]\.type: missing/],
    [(s) => (s.linux.seccomp = { syscalls: [] }), /linux\.seccomp\.defaultAction: missing/],
    [(s) => delete s.linux, /validate spec: linux: missing/],
    [(s) => (s.annotations = { a: 1 }), /annotations\["a"\]: expected a string/],
  ];
  for (const [mut, re] of cases) {
    const s = good();
    mut(s);
    assert.throws(() => validateSpec(s), re, re.source);
  }
  assert.throws(() => validateSpec(null), /validate spec: config: expected an object, got null/);
  assert.throws(() => validateSpec([]), /config: expected an object, got an array/);
});

test("validateProcess names its own field prefix", () => {
  assert.throws(() => validateProcess({ user: { uid: 0, gid: 0 }, args: ["x"] }, "exec process"), /exec process\.cwd: missing/);
  assert.doesNotThrow(() => validateProcess({ user: { uid: 0, gid: 0 }, args: ["x"], cwd: "/" }));
});
