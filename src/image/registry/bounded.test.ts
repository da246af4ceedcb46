import { test } from "node:test";
import { strict as assert } from "node:assert";
import { runBounded } from "./bounded.js";

test("runBounded keeps at most `limit` in flight and runs everything", async () => {
  let inFlight = 0;
  let peak = 0;
  const done: number[] = [];
  await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 5 * (n % 3)));
    inFlight--;
    done.push(n);
  });
  assert.equal(peak, 3);
  assert.deepEqual(done.sort(), [1, 2, 3, 4, 5, 6, 7]);
});

test("runBounded stops starting work after a failure, waits for running work, rethrows the first error", async () => {
  const started: number[] = [];
  let running = 0;
  await assert.rejects(runBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
    started.push(n);
    running++;
    try {
      await new Promise((r) => setTimeout(r, n === 1 ? 1 : 20));
      if (n === 1) throw new Error("boom 1");
    } finally {
      running--;
    }
  }), /boom 1/);
  assert.equal(running, 0);
  assert.deepEqual(started.sort(), [1, 2]);
});
