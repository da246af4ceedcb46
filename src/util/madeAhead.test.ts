import { test } from "node:test";
import { strict as assert } from "node:assert";
import { MadeAhead } from "./madeAhead.js";

test("MadeAhead: made after the delay, taken once, one at a time; drop discards, close ends refills", async () => {
  let made = 0;
  const discarded: number[] = [];
  let fail = false;
  const a = new MadeAhead<number>(async () => {
    await new Promise((r) => setTimeout(r, 5));
    if (fail) throw new Error("no room");
    return ++made;
  }, async (n) => void discarded.push(n), 5);
  assert.equal(a.take(), undefined, "nothing before a refill");
  a.refillSoon();
  a.refillSoon();
  await new Promise((r) => setTimeout(r, 2));
  assert.equal(a.take(), undefined, "not before the delay");
  await new Promise((r) => setTimeout(r, 10));
  await a.made();
  assert.equal(made, 1, "one refill for two asks");
  assert.equal(a.take(), 1);
  assert.equal(a.take(), undefined, "taken once");

  a.refill();
  a.refill();
  await a.made();
  assert.equal(made, 2, "one at a time");
  await a.drop();
  assert.deepEqual(discarded, [2], "drop discards the one nobody took");
  a.refill();
  await a.made();
  assert.equal(a.take(), 3, "and refills still work after it");

  fail = true;
  a.refill();
  await a.made();
  assert.equal(a.take(), undefined, "a failed make leaves none (the caller makes its own)");
  fail = false;

  a.refill();
  const closing = a.close();
  await closing;
  assert.deepEqual(discarded, [2, 4], "close waits for the one being made and discards it");
  a.refillSoon();
  a.refill();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(made, 4, "closed: no refill");
});
