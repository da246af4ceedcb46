import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { makeV1Fixture } from "../testing/v1Fixture.js";
import { errnoError } from "../testing/fakeKernelFs.js";
import { applyCpuV1, cpuThrottlingV1 } from "./cpu.js";
import { cpuacctStatsV1 } from "./cpuacct.js";

test("v1 cpu: shares, period before quota, burst, realtime period before runtime, idle", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("cpu,cpuacct", "c");
    await f.fs.mkdir(dir);
    await applyCpuV1(f.fs, dir, { shares: 512, quota: 50000, period: 100000, burst: 1000, realtimePeriod: 1000000, realtimeRuntime: 950000, idle: 0 });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["cpu.shares", "512"],
      ["cpu.cfs_period_us", "100000"],
      ["cpu.cfs_quota_us", "50000"],
      ["cpu.cfs_burst_us", "1000"],
      ["cpu.rt_period_us", "1000000"],
      ["cpu.rt_runtime_us", "950000"],
      ["cpu.idle", "0"],
    ]);
    f.fs.writes.length = 0;
    await applyCpuV1(f.fs, dir, { quota: -1 });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [["cpu.cfs_quota_us", "-1"]]);
  } finally {
    await f.cleanup();
  }
});

test("v1 cpu: a period the kernel refuses first is retried after the quota", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("cpu,cpuacct", "c");
    await f.fs.mkdir(dir);
    let refused = false;
    const fs = Object.create(f.fs) as typeof f.fs;
    fs.writeFile = async (p: string, d: string) => {
      if (p.endsWith("cpu.cfs_period_us") && !refused) {
        refused = true;
        f.fs.writes.push({ path: f.fs.rel(p), data: d });
        throw errnoError("EINVAL", p);
      }
      return f.fs.writeFile(p, d);
    };
    await applyCpuV1(fs, dir, { quota: 20000, period: 50000 });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["cpu.cfs_period_us", "50000"],
      ["cpu.cfs_quota_us", "20000"],
      ["cpu.cfs_period_us", "50000"],
    ]);
    assert.equal((await f.fs.readFile(join(dir, "cpu.cfs_period_us"))).trim(), "50000");
  } finally {
    await f.cleanup();
  }
});

test("v1 cpuacct + cpu.stat: USER_HZ ticks become ns, per-cpu list, throttling counters", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("cpu,cpuacct", "c");
    await f.fs.mkdir(dir);
    await f.fs.set(join(dir, "cpuacct.usage"), "2503314929\n");
    await f.fs.set(join(dir, "cpuacct.stat"), "user 187\nsystem 43\n");
    await f.fs.set(join(dir, "cpuacct.usage_percpu"), "1302010347 1201304582 \n");
    await f.fs.set(join(dir, "cpu.stat"), "nr_periods 120\nnr_throttled 17\nthrottled_time 845123000\nnr_bursts 0\nburst_time 0\n");
    assert.deepEqual(await cpuacctStatsV1(f.fs, dir), { usageNs: 2503314929, userNs: 1_870_000_000, systemNs: 430_000_000, perCpuNs: [1302010347, 1201304582] });
    assert.deepEqual(await cpuThrottlingV1(f.fs, dir), { periods: 120, throttledPeriods: 17, throttledNs: 845123000 });
  } finally {
    await f.cleanup();
  }
});
