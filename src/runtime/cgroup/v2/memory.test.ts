import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isEngineError } from "../../../errors/EngineError.js";
import { makeV2Fixture } from "../testing/v2Fixture.js";
import { applyMemoryV2, memoryStatsV2, swapMaxValue } from "./memory.js";

const MiB = 1024 * 1024;

test("swapMaxValue: OCI memory+swap to swap alone", () => {
  assert.equal(swapMaxValue(64 * MiB, 128 * MiB), String(64 * MiB));
  assert.equal(swapMaxValue(64 * MiB, 64 * MiB), "0");
  assert.equal(swapMaxValue(64 * MiB, -1), "max");
  assert.equal(swapMaxValue(-1, undefined), "max");
  assert.equal(swapMaxValue(64 * MiB, undefined), undefined);
  assert.equal(swapMaxValue(64 * MiB, 0), undefined);
  assert.throws(() => swapMaxValue(undefined, 128 * MiB), (e: unknown) => isEngineError(e, "InvalidArgument") && /memory\.swap: value 134217728 needs a memory\.limit/.test(e.message));
  assert.throws(() => swapMaxValue(128 * MiB, 64 * MiB), /below memory\.limit/);
});

async function memCgroup() {
  const f = await makeV2Fixture();
  await f.fs.writeFile(join(f.mountPoint, "cgroup.subtree_control"), "+memory");
  const dir = f.dir("c");
  await f.fs.mkdir(dir);
  f.fs.writes.length = 0;
  return { f, dir };
}

test("v2 memory: memory.max, memory.swap.max (converted), memory.low for reservation", async () => {
  const { f, dir } = await memCgroup();
  try {
    await applyMemoryV2(f.fs, dir, { limit: 64 * MiB, swap: 96 * MiB, reservation: 32 * MiB });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [["memory.max", String(64 * MiB)], ["memory.swap.max", String(32 * MiB)], ["memory.low", String(32 * MiB)]]);
    f.fs.writes.length = 0;
    await applyMemoryV2(f.fs, dir, { limit: -1 });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [["memory.max", "max"], ["memory.swap.max", "max"]]);
  } finally {
    await f.cleanup();
  }
});

test("v2 memory: v1-only knobs are refused rather than silently dropped", async () => {
  const { f, dir } = await memCgroup();
  try {
    for (const [m, re] of [
      [{ swappiness: 10 }, /memory\.swappiness: value 10 not supported on cgroup v2/],
      [{ disableOOMKiller: true }, /memory\.disableOOMKiller/],
      [{ kernelTCP: 1 << 20 }, /memory\.kernelTCP/],
    ] as const) {
      await assert.rejects(applyMemoryV2(f.fs, dir, m), (e: unknown) => isEngineError(e, "InvalidArgument") && re.test(e.message));
    }
    assert.deepEqual(f.fs.writes, []);
    await applyMemoryV2(f.fs, dir, { disableOOMKiller: false });
  } finally {
    await f.cleanup();
  }
});

test("v2 memory stats: memory.current/max/peak, anon/file, swap.current, oom_kill from memory.events", async () => {
  const { f, dir } = await memCgroup();
  try {
    await f.fs.set(join(dir, "memory.current"), "3145728\n");
    await f.fs.set(join(dir, "memory.max"), "67108864\n");
    await f.fs.set(join(dir, "memory.peak"), "4194304\n");
    await f.fs.set(join(dir, "memory.swap.current"), "8192\n");
    await f.fs.set(join(dir, "memory.stat"), "anon 2097152\nfile 1048576\nkernel 0\ninactive_file 524288\nactive_file 524288\n");
    await f.fs.set(join(dir, "memory.events"), "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n");
    const s = await memoryStatsV2(f.fs, dir);
    assert.deepEqual({ ...s, stat: undefined }, { usage: 3145728, limit: 67108864, maxUsage: 4194304, cache: 1048576, rss: 2097152, swap: 8192, oomKills: 1, stat: undefined });
    assert.equal(s.stat!["inactive_file"], 524288);
    await f.fs.set(join(dir, "memory.max"), "max\n");
    assert.equal((await memoryStatsV2(f.fs, dir)).limit, Infinity);
  } finally {
    await f.cleanup();
  }
});
