// stats, top and docker diff of real containers: cgroup numbers in Docker's shape, ps rows of
// the container's processes, overlay upper-dir changes.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containerStreams } from "../../src/daemon/containerStreams.js";
import { containerChanges } from "../../src/engine/io/changes/containerChanges.js";
import type { ImageService } from "../../src/image/ImageService.js";
import type { StatsResponse } from "../../src/api/types/container.js";
import { makeIoEnv, skip, type IoEnv } from "./io-harness.js";

let env: IoEnv;
before(async () => { if (!skip) env = await makeIoEnv(); });
after(async () => { if (env) await env.cleanup(); });

const streams = () => containerStreams({ lookup: env.lookup, runtime: env.rt.ctx, images: {} as ImageService });

async function first(it: AsyncIterable<StatsResponse>, n = 1): Promise<StatsResponse[]> {
  const out: StatsResponse[] = [];
  for await (const s of it) { out.push(s); if (out.length === n) break; }
  return out;
}

test("stats: memory, cpu and pids of a busy container in Docker's shape", { skip }, async () => {
  const c = await env.run(["sh", "-c", "sleep 300 & while :; do :; done"]);
  const s = streams();
  let [one] = await first(await s.stats(c.id, { stream: false, oneShot: true }, new AbortController().signal));
  // The shell forks sleep after it started: sample until it is there.
  for (let i = 0; i < 100 && one!.pids_stats.current !== 2; i++) {
    await new Promise((r) => setTimeout(r, 50));
    [one] = await first(await s.stats(c.id, { stream: false, oneShot: true }, new AbortController().signal));
  }
  assert.equal(one!.id, c.id);
  assert.equal(one!.name, `/${c.record.name}`);
  assert.equal(one!.preread, "0001-01-01T00:00:00Z");
  assert.ok((one!.memory_stats.usage as number) > 0, "memory usage");
  assert.ok((one!.memory_stats.limit as number) > 0, "memory limit (the host's when unlimited)");
  assert.equal(typeof (one!.memory_stats.stats as Record<string, number>).total_inactive_file, "number", "raw memory.stat");
  assert.equal(one!.pids_stats.current, 2, "sh (running the loop) and sleep");
  const cpu = one!.cpu_stats as { cpu_usage: { total_usage: number; percpu_usage?: number[] }; system_cpu_usage: number; online_cpus: number };
  assert.ok(cpu.system_cpu_usage > 0 && cpu.online_cpus >= 1);
  // stream=false without one-shot: two samples, so precpu is the first and cpu went up.
  const [two] = await first(await s.stats(c.id, { stream: false, oneShot: false }, new AbortController().signal));
  const cur = two!.cpu_stats as typeof cpu;
  const pre = two!.precpu_stats as typeof cpu;
  assert.notEqual(two!.preread, "0001-01-01T00:00:00Z");
  assert.ok(cur.cpu_usage.total_usage > pre.cpu_usage.total_usage, "the busy loop used cpu between the samples");
  assert.ok(cur.system_cpu_usage > pre.system_cpu_usage);
  // The stream gives one object per interval and stops with the signal.
  const ac = new AbortController();
  const streamed: StatsResponse[] = [];
  for await (const x of await s.stats(c.id, { stream: true, oneShot: false }, ac.signal)) {
    streamed.push(x);
    if (streamed.length === 2) ac.abort();
  }
  assert.equal(streamed.length, 2);
  assert.equal(streamed[1]!.preread, streamed[0]!.read);
});

test("stats: a stopped container answers zeroes; top refuses it", { skip }, async () => {
  const c = await env.run(["true"]);
  await c.waitExit();
  const [z] = await first(await streams().stats(c.id, { stream: true, oneShot: false }, new AbortController().signal));
  assert.deepEqual(z!.memory_stats, {});
  await assert.rejects(streams().top(c.id, undefined), (e: Error & { kind?: string }) => e.kind === "Conflict" && /is not running/.test(e.message));
});

test("top: ps -ef columns of the container's processes; ps_args through the host's ps", { skip }, async () => {
  const c = await env.run(["sh", "-c", "sleep 301 & sleep 302 & wait"]);
  let t = await streams().top(c.id, undefined);
  // The shell forks its children after it started: wait until they are there.
  const want = ["sh -c sleep 301 & sleep 302 & wait", "sleep 301", "sleep 302"];
  const cmdsOf = (x: typeof t) => x.Processes.map((p) => p[7]).sort();
  // (A forked child runs "sh" until it execs sleep.)
  for (let i = 0; i < 100 && JSON.stringify(cmdsOf(t)) !== JSON.stringify(want); i++) {
    await new Promise((r) => setTimeout(r, 50));
    t = await streams().top(c.id, undefined);
  }
  assert.deepEqual(t.Titles, ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
  assert.deepEqual(cmdsOf(t), want);
  for (const p of t.Processes) {
    assert.equal(p[0], "root");
    assert.match(p[1]!, /^\d+$/);
    assert.match(p[6]!, /^\d\d:\d\d:\d\d$/);
  }
  const custom = await streams().top(c.id, "-o pid,comm");
  assert.deepEqual(custom.Titles, ["PID", "COMMAND"]);
  assert.deepEqual(custom.Processes.map((p) => p[1]).sort(), ["sh", "sleep", "sleep"]);
});

test("changes: additions, modifications and deletions read from an overlay upper dir", { skip }, async () => {
  const base = mkdtempSync(join(tmpdir(), "berth-test-diff-"));
  const [lower, upper, work, merged] = ["lower", "upper", "work", "merged"].map((d) => join(base, d));
  try {
    for (const d of [lower, upper, work, merged, join(lower, "a")]) mkdirSync(d, { recursive: true });
    writeFileSync(join(lower, "a/keep"), "1");
    writeFileSync(join(lower, "a/del"), "1");
    writeFileSync(join(lower, "b"), "1");
    execFileSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
    try {
      writeFileSync(join(merged, "a/keep"), "2");
      writeFileSync(join(merged, "a/new"), "3");
      unlinkSync(join(merged, "a/del"));
      unlinkSync(join(merged, "b"));
      mkdirSync(join(merged, "c/d"), { recursive: true });
    } finally {
      execFileSync("umount", [merged]);
    }
    // Mountpoints the runtime created (Docker's init layer) are not changes.
    assert.deepEqual(await containerChanges(upper, [lower], new Set(["/a/new", "/c/d"])), [
      { Path: "/a", Kind: 0 }, { Path: "/a/del", Kind: 2 }, { Path: "/a/keep", Kind: 0 }, { Path: "/b", Kind: 2 }, { Path: "/c", Kind: 1 },
    ]);
    assert.deepEqual(await containerChanges(upper, [lower]), [
      { Path: "/a", Kind: 0 }, { Path: "/a/del", Kind: 2 }, { Path: "/a/keep", Kind: 0 }, { Path: "/a/new", Kind: 1 },
      { Path: "/b", Kind: 2 }, { Path: "/c", Kind: 1 }, { Path: "/c/d", Kind: 1 },
    ]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
