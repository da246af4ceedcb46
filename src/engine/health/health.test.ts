import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { Health } from "../../api/types/container.js";
import { applyResult, MAX_LOG_ENTRIES } from "./HealthChecker.js";
import { goDuration, mergeHealthcheck, probeSettings, validateHealthcheck } from "./healthConfig.js";
import { BoundedOutput, MAX_OUTPUT } from "./runProbe.js";

test("probeSettings: Docker's defaults, CMD and CMD-SHELL, NONE and empty disable", () => {
  assert.equal(probeSettings(undefined), null);
  assert.equal(probeSettings({ Test: ["NONE"] }), null);
  assert.equal(probeSettings({ Test: [] }), null);
  assert.deepEqual(probeSettings({ Test: ["CMD-SHELL", "curl -f x || exit 1"] }), {
    cmd: ["/bin/sh", "-c", "curl -f x || exit 1"], intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5_000, retries: 3,
  });
  const s = probeSettings({ Test: ["CMD", "true", "a"], Interval: 200e6, Timeout: 1e9, StartPeriod: 2e9, StartInterval: 100e6, Retries: 1 })!;
  assert.deepEqual(s, { cmd: ["true", "a"], intervalMs: 200, timeoutMs: 1000, startPeriodMs: 2000, startIntervalMs: 100, retries: 1 });
});

test("mergeHealthcheck: the image's check fills what the user left out", () => {
  const img = { Test: ["CMD", "true"], Interval: 5e9, Retries: 4 };
  assert.deepEqual(mergeHealthcheck(undefined, img), img);
  assert.deepEqual(mergeHealthcheck({ Interval: 1e9 }, img), { Test: ["CMD", "true"], Interval: 1e9, Retries: 4 });
  assert.deepEqual(mergeHealthcheck({ Test: ["NONE"] }, img), { Test: ["NONE"], Interval: 5e9, Retries: 4 });
  assert.equal(mergeHealthcheck(undefined, undefined), undefined);
});

test("validateHealthcheck: moby's refusals", () => {
  assert.throws(() => validateHealthcheck({ Interval: 10 }), /Interval in Healthcheck cannot be less than 1ms/);
  assert.throws(() => validateHealthcheck({ Retries: -1 }), /Retries in Healthcheck cannot be negative/);
  assert.throws(() => validateHealthcheck({ Test: ["SHELL", "x"] }), /unknown test type/);
  validateHealthcheck({ Test: ["CMD", "true"], Interval: 1e6, Timeout: 0 });
});

test("applyResult: streak, status, StartPeriod grace, five log entries", () => {
  const s = probeSettings({ Test: ["CMD", "x"], Retries: 2, StartPeriod: 1e9 })!;
  const h: Health = { Status: "starting", FailingStreak: 0, Log: [] };
  const started = 1_000_000;
  const r = (code: number, at: number) => ({ exitCode: code, output: `o${code}`, startMs: at, endMs: at + 1 });
  applyResult(h, r(1, started + 100), s, started);
  assert.equal(h.FailingStreak, 0, "inside the start period a failure does not count");
  assert.equal(h.Status, "starting");
  applyResult(h, r(1, started + 2000), s, started);
  assert.equal(h.FailingStreak, 1);
  assert.equal(h.Status, "starting");
  applyResult(h, r(-1, started + 3000), s, started);
  assert.equal(h.Status, "unhealthy");
  applyResult(h, r(0, started + 4000), s, started);
  assert.deepEqual([h.Status, h.FailingStreak], ["healthy", 0]);
  for (let i = 0; i < 10; i++) applyResult(h, r(0, started + 5000 + i), s, started);
  assert.equal(h.Log.length, MAX_LOG_ENTRIES);
  assert.equal(h.Log.at(-1)!.Start, new Date(started + 5009).toISOString());
  // Once healthy, the start period no longer shields failures.
  const h2: Health = { Status: "healthy", FailingStreak: 0, Log: [] };
  applyResult(h2, r(1, started + 10), s, started);
  assert.equal(h2.FailingStreak, 1);
});

test("goDuration: Go's Duration text", () => {
  assert.equal(goDuration(300), "300ms");
  assert.equal(goDuration(1000), "1s");
  assert.equal(goDuration(1500), "1.5s");
  assert.equal(goDuration(90_000), "1m30s");
  assert.equal(goDuration(30_000), "30s");
});

test("CMD-SHELL runs with the container's Shell when it has one", () => {
  assert.deepEqual(probeSettings({ Test: ["CMD-SHELL", "exit 0"] }, ["/bin/ash", "-e", "-c"])!.cmd, ["/bin/ash", "-e", "-c", "exit 0"]);
  assert.deepEqual(probeSettings({ Test: ["CMD-SHELL", "exit 0"] }, [])!.cmd, ["/bin/sh", "-c", "exit 0"]);
});

test("BoundedOutput keeps the first 4 KiB and marks the cut", () => {
  const b = new BoundedOutput(MAX_OUTPUT);
  b.add(Buffer.from("a".repeat(4000)));
  b.add(Buffer.from("b".repeat(200)));
  b.add(Buffer.from("c"));
  const t = b.text();
  assert.equal(t, "a".repeat(4000) + "b".repeat(96) + "...");
  const small = new BoundedOutput(MAX_OUTPUT);
  small.add(Buffer.from("ok\n"));
  assert.equal(small.text(), "ok\n");
});
