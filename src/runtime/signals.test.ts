import { test } from "node:test";
import { strict as assert } from "node:assert";
import { parseSignal } from "./signals.js";

test("signal names, prefixed or not, any case, and numbers", () => {
  assert.equal(parseSignal("SIGTERM"), 15);
  assert.equal(parseSignal("TERM"), 15);
  assert.equal(parseSignal("kill"), 9);
  assert.equal(parseSignal("9"), 9);
  assert.equal(parseSignal(10), 10);
  assert.equal(parseSignal("SIGRTMIN+2"), 36);
  assert.equal(parseSignal("RTMAX"), 64);
});

test("unknown signals are refused by name", () => {
  assert.throws(() => parseSignal("SIGFOO"), /unknown signal "SIGFOO"/);
  assert.throws(() => parseSignal("65"), /invalid signal number 65/);
});
