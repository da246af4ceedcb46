import { test } from "node:test";
import { strict as assert } from "node:assert";
import { makeV1Fixture } from "../testing/v1Fixture.js";
import { applyDevicesV1, deviceRuleString } from "./devices.js";

test("v1 devices: rule syntax with wildcards", () => {
  assert.equal(deviceRuleString({ allow: false, access: "rwm" }), "a *:* rwm");
  assert.equal(deviceRuleString({ allow: true, type: "c", major: 1, minor: 3, access: "rwm" }), "c 1:3 rwm");
  assert.equal(deviceRuleString({ allow: true, type: "c", major: 136, minor: null, access: "rw" }), "c 136:* rw");
  assert.equal(deviceRuleString({ allow: true, type: "b", major: -1, minor: -1 }), "b *:* rwm");
});

test("v1 devices: default deny, then every rule in order, one per write (a leading deny-all is the default deny)", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("devices", "c");
    await f.fs.mkdir(dir);
    await applyDevicesV1(f.fs, dir, [
      { allow: false, access: "rwm" },
      { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
      { allow: true, type: "c", major: 5, minor: 0, access: "rwm" },
      { allow: false, type: "c", major: 10, minor: 200, access: "rwm" },
    ]);
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["devices.deny", "a"],
      ["devices.allow", "c 1:3 rwm"],
      ["devices.allow", "c 5:0 rwm"],
      ["devices.deny", "c 10:200 rwm"],
    ]);
  } finally {
    await f.cleanup();
  }
});

test("v1 devices: a deny-all after other rules is still written (it undoes them)", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("devices", "c");
    await f.fs.mkdir(dir);
    await applyDevicesV1(f.fs, dir, [
      { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
      { allow: false, access: "rwm" },
      { allow: true, type: "c", major: 5, minor: 0, access: "rw" },
    ]);
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["devices.deny", "a"],
      ["devices.allow", "c 1:3 rwm"],
      ["devices.deny", "a *:* rwm"],
      ["devices.allow", "c 5:0 rw"],
    ]);
  } finally {
    await f.cleanup();
  }
});
