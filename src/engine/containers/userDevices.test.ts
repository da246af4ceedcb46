import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deviceCgroupRules } from "../../runtime/devices.js";
import { parseCgroupRule, userDevices } from "./userDevices.js";

test("a device node keeps its numbers, gets PathInContainer and an allow rule of its permissions", () => {
  const { devices, rules } = userDevices([{ PathOnHost: "/dev/null", PathInContainer: "/dev/mynull", CgroupPermissions: "r" }], []);
  assert.equal(devices.length, 1);
  assert.deepEqual({ ...devices[0], fileMode: undefined, uid: undefined, gid: undefined }, { type: "c", path: "/dev/mynull", major: 1, minor: 3, fileMode: undefined, uid: undefined, gid: undefined });
  assert.deepEqual(rules, [{ allow: true, type: "c", major: 1, minor: 3, access: "r" }]);
  // The runtime then adds no rwm allow of its own for it (":r" stays read-only).
  const applied = deviceCgroupRules([{ allow: false, access: "rwm" }, ...rules], devices);
  assert.equal(applied.filter((r) => r.major === 1 && r.minor === 3 && r.access === "rwm").length, 1, "only the default /dev/null rule");
  assert.deepEqual(applied.slice(0, 2), [{ allow: false, access: "rwm" }, rules[0]]);
});

test("defaults: same path inside, rwm; a symlink is followed", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-dev-"));
  try {
    symlinkSync("/dev/zero", join(dir, "z"));
    const { devices, rules } = userDevices([{ PathOnHost: join(dir, "z") }], []);
    assert.equal(devices[0]!.path, join(dir, "z"));
    assert.equal(devices[0]!.minor, 5);
    assert.equal(rules[0]!.access, "rwm");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("errors read as Docker's: missing path, not a device, bad mode", () => {
  assert.throws(() => userDevices([{ PathOnHost: "/dev/berth-test-none", CgroupPermissions: "rwm" }], []),
    { kind: "InvalidArgument", message: 'error gathering device information while adding custom device "/dev/berth-test-none": no such file or directory' });
  const dir = mkdtempSync(join(tmpdir(), "berth-test-dev-"));
  try {
    writeFileSync(join(dir, "f"), "");
    assert.throws(() => userDevices([{ PathOnHost: join(dir, "f") }], []), /not a device node/);
    assert.throws(() => userDevices([{ PathOnHost: dir }], []), /not a device node/, "a directory without devices");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => userDevices([{ PathOnHost: "/dev/null", CgroupPermissions: "rx" }], []), { message: "/dev/null invalid device mode: rx" });
  assert.throws(() => userDevices([{ PathOnHost: "/dev/null", CgroupPermissions: "rr" }], []), /invalid device mode/);
});

test("a directory brings the device nodes below it", () => {
  const { devices } = userDevices([{ PathOnHost: "/dev/net", PathInContainer: "/dev/n", CgroupPermissions: "rwm" }], []);
  for (const d of devices) assert.match(d.path, /^\/dev\/n\//);
});

test("device cgroup rules", () => {
  assert.deepEqual(parseCgroupRule("c 1:3 rwm"), { allow: true, type: "c", major: 1, minor: 3, access: "rwm" });
  assert.deepEqual(parseCgroupRule("a *:* m"), { allow: true, type: "a", major: null, minor: null, access: "m" });
  assert.throws(() => parseCgroupRule("c 1:3"), { message: "invalid device cgroup rule format: 'c 1:3'" });
  assert.throws(() => parseCgroupRule("x 1:3 r"), /invalid device cgroup rule/);
});
