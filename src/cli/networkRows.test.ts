import { test } from "node:test";
import { strict as assert } from "node:assert";
import { goTimeString, naturalCompare } from "./networkRows.js";

test("natural order as docker sorts names and port lines", () => {
  const names = ["net10", "Net", "net2", "bridge", "net02", "host", "a1b", "a01b", "9/tcp -> x", "53/udp -> y", "10.0", "9.5"];
  assert.deepEqual([...names].sort(naturalCompare), ["9.5", "9/tcp -> x", "10.0", "53/udp -> y", "Net", "a1b", "a01b", "bridge", "host", "net2", "net02", "net10"]);
  assert.equal(naturalCompare("x", "x"), 0);
  assert.equal(naturalCompare("x", "xy"), -1);
});

test("Go's time.Time String() of the API's timestamps", () => {
  assert.equal(goTimeString("2026-11-26T15:17:19.163963327Z"), "2026-11-26 15:17:19.163963327 +0000 UTC");
  assert.equal(goTimeString("2026-11-26T15:17:19.100Z"), "2026-11-26 15:17:19.1 +0000 UTC");
  assert.equal(goTimeString("2026-11-26T15:17:19Z"), "2026-11-26 15:17:19 +0000 UTC");
  assert.equal(goTimeString("2026-11-26T16:17:19.5+01:00"), "2026-11-26 16:17:19.5 +0100 +0100");
});
