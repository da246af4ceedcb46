import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isEngineError } from "../../../errors/EngineError.js";
import { makeV1Fixture, V1_UNLIMITED } from "../testing/v1Fixture.js";
import { applyMemoryV1, memoryStatsV1 } from "./memory.js";

const MiB = 1024 * 1024;

async function withMemoryCgroup(fn: (f: Awaited<ReturnType<typeof makeV1Fixture>>, dir: string) => Promise<void>) {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("memory", "c");
    await f.fs.mkdir(dir);
    await fn(f, dir);
  } finally {
    await f.cleanup();
  }
}

test("v1 memory: limit, swap (memory+swap), reservation, swappiness, oom killer", async () => {
  await withMemoryCgroup(async (f, dir) => {
    await applyMemoryV1(f.fs, dir, { limit: 64 * MiB, swap: 128 * MiB, reservation: 32 * MiB, swappiness: 10, disableOOMKiller: true });
    // Current limit is unlimited, above the new memsw: lowering, so the limit goes first.
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["memory.limit_in_bytes", String(64 * MiB)],
      ["memory.memsw.limit_in_bytes", String(128 * MiB)],
      ["memory.soft_limit_in_bytes", String(32 * MiB)],
      ["memory.swappiness", "10"],
      ["memory.oom_control", "1"],
    ]);
  });
});

test("v1 memory: raising writes memsw first, lowering writes the limit first (both accepted by the kernel's memsw >= limit rule)", async () => {
  await withMemoryCgroup(async (f, dir) => {
    await applyMemoryV1(f.fs, dir, { limit: 64 * MiB, swap: 128 * MiB });
    f.fs.writes.length = 0;
    await applyMemoryV1(f.fs, dir, { limit: 256 * MiB, swap: 512 * MiB });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["memory.memsw.limit_in_bytes", String(512 * MiB)],
      ["memory.limit_in_bytes", String(256 * MiB)],
    ]);
    f.fs.writes.length = 0;
    await applyMemoryV1(f.fs, dir, { limit: 16 * MiB, swap: 32 * MiB });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["memory.limit_in_bytes", String(16 * MiB)],
      ["memory.memsw.limit_in_bytes", String(32 * MiB)],
    ]);
    assert.equal((await f.fs.readFile(join(dir, "memory.limit_in_bytes"))).trim(), String(16 * MiB));
    assert.equal((await f.fs.readFile(join(dir, "memory.memsw.limit_in_bytes"))).trim(), String(32 * MiB));
  });
});

test("v1 memory: -1 without swap lifts memsw too; swap -1 alone is unlimited swap", async () => {
  await withMemoryCgroup(async (f, dir) => {
    await applyMemoryV1(f.fs, dir, { limit: 64 * MiB, swap: 64 * MiB });
    f.fs.writes.length = 0;
    await applyMemoryV1(f.fs, dir, { limit: -1 });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["memory.memsw.limit_in_bytes", "-1"],
      ["memory.limit_in_bytes", "-1"],
    ]);
    assert.equal((await f.fs.readFile(join(dir, "memory.limit_in_bytes"))).trim(), V1_UNLIMITED);
  });
});

test("v1 memory: a limit below usage (kernel EBUSY) is InvalidArgument naming the field and value", async () => {
  await withMemoryCgroup(async (f, dir) => {
    await f.fs.set(join(dir, "memory.usage_in_bytes"), String(100 * MiB));
    await assert.rejects(applyMemoryV1(f.fs, dir, { limit: 10 * MiB }), (e: unknown) => isEngineError(e, "InvalidArgument") && /memory\.limit: value "10485760" rejected by the kernel: below the cgroup's current memory usage/.test(e.message));
    await assert.rejects(applyMemoryV1(f.fs, dir, { limit: 10 * MiB, checkBeforeUpdate: true }), /memory\.limit: value 10485760 is below current usage 104857600/);
  });
});

test("v1 memory: raising the limit above memory+swap without giving swap says to set swap", async () => {
  await withMemoryCgroup(async (f, dir) => {
    await applyMemoryV1(f.fs, dir, { limit: 64 * MiB, swap: 64 * MiB });
    await assert.rejects(applyMemoryV1(f.fs, dir, { limit: 128 * MiB }), (e: unknown) => isEngineError(e, "InvalidArgument") && /exceeds the current memory\+swap limit; set memory\.swap/.test(e.message));
  });
});

test("v1 memory: swap without memsw accounting is refused, not ignored", async () => {
  await withMemoryCgroup(async (f, dir) => {
    await f.fs.rmdir(dir);
    const { rm } = await import("node:fs/promises");
    await f.fs.mkdir(dir);
    await rm(join(dir, "memory.memsw.limit_in_bytes"));
    await assert.rejects(applyMemoryV1(f.fs, dir, { limit: 64 * MiB, swap: 128 * MiB }), /memory\.swap: value 134217728 cannot be applied/);
    // limit alone still works there
    await applyMemoryV1(f.fs, dir, { limit: 64 * MiB });
  });
});

test("v1 memory stats: hierarchical totals, swap, oom kills, failcnt, raw stat", async () => {
  await withMemoryCgroup(async (f, dir) => {
    const stat = [
      "cache 4096", "rss 1048576", "rss_huge 0", "shmem 0", "mapped_file 0", "swap 0", "inactive_file 4096",
      "hierarchical_memory_limit 67108864", "total_cache 8192", "total_rss 2097152", "total_swap 12288", "total_inactive_file 8192",
    ].join("\n") + "\n";
    await f.fs.set(join(dir, "memory.stat"), stat);
    await f.fs.set(join(dir, "memory.usage_in_bytes"), "2359296\n");
    await f.fs.set(join(dir, "memory.max_usage_in_bytes"), "3000000\n");
    await f.fs.set(join(dir, "memory.failcnt"), "7\n");
    await f.fs.set(join(dir, "memory.limit_in_bytes"), "67108864\n");
    await f.fs.set(join(dir, "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    const s = await memoryStatsV1(f.fs, dir);
    assert.equal(s.usage, 2359296);
    assert.equal(s.limit, 67108864);
    assert.equal(s.maxUsage, 3000000);
    assert.equal(s.cache, 8192);
    assert.equal(s.rss, 2097152);
    assert.equal(s.swap, 12288);
    assert.equal(s.oomKills, 2);
    assert.equal(s.failcnt, 7);
    assert.equal(s.stat!["total_inactive_file"], 8192);
    await f.fs.set(join(dir, "memory.limit_in_bytes"), V1_UNLIMITED + "\n");
    assert.equal((await memoryStatsV1(f.fs, dir)).limit, Infinity);
  });
});
