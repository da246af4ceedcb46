import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isEngineError } from "../../../errors/EngineError.js";
import { makeV2Fixture } from "../testing/v2Fixture.js";
import { applyCpuV2, cpuMaxValue, cpuStatsV2, sharesToWeight } from "./cpu.js";

test("sharesToWeight: runc/crun formula at the edges and Docker's common values", () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(512), 20);
  assert.equal(sharesToWeight(2048), 79);
});

test("cpuMaxValue: quota and period together; one alone keeps the other half", () => {
  assert.equal(cpuMaxValue({ quota: 50000, period: 100000 }, undefined), "50000 100000");
  assert.equal(cpuMaxValue({ quota: -1, period: 20000 }, undefined), "max 20000");
  assert.equal(cpuMaxValue({ quota: 25000 }, "max 50000"), "25000 50000");
  assert.equal(cpuMaxValue({ period: 200000 }, "30000 100000"), "30000 200000");
  assert.equal(cpuMaxValue({ shares: 100 }, "30000 100000"), undefined);
});

test("v2 cpu: weight, cpu.max, burst, idle written; realtime refused", async () => {
  const f = await makeV2Fixture();
  try {
    await f.fs.writeFile(join(f.mountPoint, "cgroup.subtree_control"), "+cpu");
    const dir = f.dir("c");
    await f.fs.mkdir(dir);
    f.fs.writes.length = 0;
    await applyCpuV2(f.fs, dir, { shares: 1024, quota: 50000, period: 100000, burst: 2000, idle: 0 });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [["cpu.weight", "39"], ["cpu.max", "50000 100000"], ["cpu.max.burst", "2000"], ["cpu.idle", "0"]]);
    await assert.rejects(applyCpuV2(f.fs, dir, { realtimeRuntime: 1000 }), (e: unknown) => isEngineError(e, "InvalidArgument") && /realtime/.test(e.message));
  } finally {
    await f.cleanup();
  }
});

test("v2 cpu stats: microseconds to ns, throttling", async () => {
  const f = await makeV2Fixture();
  try {
    const dir = f.dir("c");
    await f.fs.mkdir(dir);
    await f.fs.set(join(dir, "cpu.stat"), "usage_usec 2503314\nuser_usec 1870000\nsystem_usec 633314\ncore_sched.force_idle_usec 0\nnr_periods 120\nnr_throttled 17\nthrottled_usec 845123\nnr_bursts 0\nburst_usec 0\n");
    assert.deepEqual(await cpuStatsV2(f.fs, dir), { usageNs: 2503314000, userNs: 1870000000, systemNs: 633314000, periods: 120, throttledPeriods: 17, throttledNs: 845123000 });
  } finally {
    await f.cleanup();
  }
});
