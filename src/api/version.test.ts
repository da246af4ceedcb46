import { test } from "node:test";
import { strict as assert } from "node:assert";
import { checkRequestedVersion, compareVersions, splitVersionPrefix, versionAtLeast } from "./version.js";

test("versions compare numerically", () => {
  assert.ok(compareVersions("1.9", "1.24") < 0);
  assert.ok(compareVersions("1.47", "1.47") === 0);
  assert.ok(compareVersions("1.50", "1.47") > 0);
  assert.ok(compareVersions("2", "1.99") > 0);
  assert.ok(versionAtLeast("1.42", "1.42"));
  assert.ok(!versionAtLeast("1.41", "1.42"));
});

test("version prefix is split off the path", () => {
  assert.deepEqual(splitVersionPrefix("/v1.45/containers/json"), { version: "1.45", path: "/containers/json" });
  assert.deepEqual(splitVersionPrefix("/containers/json"), { version: null, path: "/containers/json" });
  assert.deepEqual(splitVersionPrefix("/v1.47"), { version: "1.47", path: "/" });
  assert.deepEqual(splitVersionPrefix("/volumes/v1.2"), { version: null, path: "/volumes/v1.2" });
});

test("requested versions outside the range get Docker's messages", () => {
  assert.equal(checkRequestedVersion("1.47"), null);
  assert.equal(checkRequestedVersion("1.24"), null);
  assert.equal(checkRequestedVersion("1.50"), "client version 1.50 is too new. Maximum supported API version is 1.47");
  assert.match(checkRequestedVersion("1.12")!, /^client version 1.12 is too old. Minimum supported API version is 1.24/);
});
