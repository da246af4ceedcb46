import { test } from "node:test";
import { strict as assert } from "node:assert";
import { parseTail, parseTimestamp, timestampMillis } from "./timestamps.js";
import { decodeRegistryAuth } from "./registry-auth.js";

test("query timestamps: seconds with an optional fraction of up to nanoseconds", () => {
  assert.equal(parseTimestamp("since", undefined), undefined);
  assert.equal(parseTimestamp("since", ""), undefined);
  assert.deepEqual(parseTimestamp("since", "1700000000"), { seconds: 1700000000, nanos: 0 });
  assert.deepEqual(parseTimestamp("since", "1700000000.5"), { seconds: 1700000000, nanos: 500000000 });
  assert.deepEqual(parseTimestamp("until", "1700000000.000000001"), { seconds: 1700000000, nanos: 1 });
  assert.equal(timestampMillis({ seconds: 2, nanos: 345_678_901 }), 2345);
  for (const bad of ["10m", "2024-01-01T00:00:00Z", "1.2.3", "1.0000000001"]) {
    assert.throws(() => parseTimestamp("since", bad), /invalid value for since/, bad);
  }
});

test("tail: all, a count, or all for anything else (moby's leniency)", () => {
  assert.equal(parseTail(undefined), "all");
  assert.equal(parseTail("all"), "all");
  assert.equal(parseTail("10"), 10);
  assert.equal(parseTail("0"), 0);
  assert.equal(parseTail("-1"), "all");
  assert.equal(parseTail("lots"), "all");
});

test("X-Registry-Auth decodes base64url and standard base64; garbage means no credentials", () => {
  const cfg = { username: "me", password: "p?>s/s+", serveraddress: "localhost:5000" };
  const json = JSON.stringify(cfg);
  assert.deepEqual(decodeRegistryAuth(Buffer.from(json).toString("base64url")), cfg);
  assert.deepEqual(decodeRegistryAuth(Buffer.from(json).toString("base64")), cfg);
  assert.equal(decodeRegistryAuth(Buffer.from("{}").toString("base64url")), undefined, "docker push sends {} without login");
  assert.equal(decodeRegistryAuth("!!!not base64"), undefined);
  assert.equal(decodeRegistryAuth(undefined), undefined);
  assert.deepEqual(decodeRegistryAuth(Buffer.from('{"username":"u","password":1}').toString("base64url")), { username: "u" });
});
