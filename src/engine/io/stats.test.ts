import { test } from "node:test";
import { strict as assert } from "node:assert";
import { totalmem } from "node:os";
import { emptyStats, statsStream, toStatsResponse, type StatsSample } from "./stats.js";

const sample = (usageNs: number, read: string): StatsSample => ({
  read, systemCpuNs: 1_000_000_000 + usageNs, onlineCpus: 2,
  cgroup: {
    memory: { usage: 4096, limit: Infinity, maxUsage: 8192, failcnt: 0, oomKills: 0, stat: { cache: 1, total_inactive_file: 2 } },
    cpu: { usageNs, userNs: 1, systemNs: 2, perCpuNs: [usageNs, 0], periods: 3, throttledPeriods: 1, throttledNs: 5 },
    pids: { current: 2, limit: Infinity },
    io: { readBytes: 10, writeBytes: 20, readOps: 1, writeOps: 2, devices: [{ major: 8, minor: 0, readBytes: 10, writeBytes: 20, readOps: 1, writeOps: 2 }] },
  },
});

test("stats: Docker's StatsResponse from cgroup numbers", () => {
  const prev = sample(100, "2026-01-01T00:00:00.000Z");
  const cur = sample(300, "2026-01-01T00:00:01.000Z");
  const r = toStatsResponse(cur, prev, { id: "abc", name: "web" });
  assert.equal(r.name, "/web");
  assert.equal(r.preread, prev.read);
  assert.deepEqual(r.memory_stats, { usage: 4096, max_usage: 8192, stats: { cache: 1, total_inactive_file: 2 }, failcnt: 0, limit: totalmem() });
  assert.deepEqual(r.pids_stats, { current: 2 }, "an unlimited pids cgroup has no limit field");
  assert.deepEqual((r.cpu_stats as { cpu_usage: unknown }).cpu_usage, { total_usage: 300, usage_in_kernelmode: 2, usage_in_usermode: 1, percpu_usage: [300, 0] });
  assert.equal((r.precpu_stats as { cpu_usage: { total_usage: number } }).cpu_usage.total_usage, 100);
  assert.deepEqual((r.cpu_stats as { throttling_data: unknown }).throttling_data, { periods: 3, throttled_periods: 1, throttled_time: 5 });
  assert.deepEqual((r.blkio_stats as { io_service_bytes_recursive: unknown }).io_service_bytes_recursive, [
    { major: 8, minor: 0, op: "read", value: 10 }, { major: 8, minor: 0, op: "write", value: 20 },
  ]);
  assert.equal(emptyStats({ id: "abc", name: "web" }).read, "0001-01-01T00:00:00Z");
});

test("stats stream: one-shot takes one sample, stream=false two, the stream stops with the container", async () => {
  let reads = 0;
  const read = async () => { reads++; return sample(reads * 10, "").cgroup; };
  const who = { id: "x", name: "x" };
  const signal = new AbortController().signal;
  const one = [];
  for await (const s of statsStream({ stream: false, oneShot: true, read, running: async () => true, who, signal, intervalMs: 1 })) one.push(s);
  assert.equal(one.length, 1);
  assert.equal(reads, 1);
  const two = [];
  for await (const s of statsStream({ stream: false, oneShot: false, read, running: async () => true, who, signal, intervalMs: 1 })) two.push(s);
  assert.equal(two.length, 1);
  assert.equal(reads, 3);
  let alive = 3;
  const streamed = [];
  for await (const s of statsStream({ stream: true, oneShot: false, read, running: async () => --alive > 0, who, signal, intervalMs: 1 })) streamed.push(s);
  assert.equal(streamed.length, 3);
});
