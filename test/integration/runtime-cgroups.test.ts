import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { makeTestRuntime, runtimeSkipReason, type TestRuntime } from "../helpers/runtime.js";
import { containerState } from "../../src/runtime/lifecycle/state.js";
import { pauseContainer } from "../../src/runtime/lifecycle/pause.js";
import { resumeContainer } from "../../src/runtime/lifecycle/resume.js";
import { deleteContainer } from "../../src/runtime/lifecycle/delete.js";
import { readRecord } from "../../src/runtime/containerStore.js";

const skip = runtimeSkipReason();
let rt: TestRuntime;
before(async () => {
  if (!skip) rt = await makeTestRuntime();
});
after(async () => {
  if (rt) await rt.cleanup();
});

test("memory limit: an allocator is OOM-killed and the OOM shows in the cgroup stats", { skip }, async () => {
  const b = await rt.bundle({
    // tail holds the whole "line" of /dev/zero in memory: it grows until the limit.
    args: ["tail", "/dev/zero"],
    spec: (s) => (s.linux!.resources = { ...s.linux!.resources, memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } }),
  });
  const c = await rt.start(b);
  const exit = await rt.wait(c.id, 60_000);
  assert.deepEqual(exit && exit.kind === "signaled" ? exit.signal : exit, 9);
  const { containerStats } = await import("../../src/runtime/lifecycle/stats.js");
  const stats = await containerStats(rt.ctx, c.id);
  assert.ok((stats.memory?.oomKills ?? 0) > 0, JSON.stringify(stats.memory));
  await deleteContainer(rt.ctx, c.id);
});

test("pids limit stops a fork bomb", { skip }, async () => {
  // Each successful fork prints a line; ash gives up with "can't fork" once the cgroup is full.
  const b = await rt.bundle({
    args: ["sh", "-c", "i=0; while [ $i -lt 100 ]; do sleep 30 & echo spawned; i=$((i+1)); done"],
    spec: (s) => (s.linux!.resources = { ...s.linux!.resources, pids: { limit: 20 } }),
  });
  const c = await rt.start(b);
  await rt.wait(c.id, 30_000).catch(() => null);
  const out = await c.output();
  const spawned = out.split("\n").filter((l) => l === "spawned").length;
  assert.ok(spawned > 0 && spawned < 20, `spawned ${spawned}: ${out}`);
  assert.match(out, /can't fork/);
  const rec = await readRecord(rt.ctx.root, c.id);
  assert.equal((await rt.ctx.cgroups!.stats(rec.cgroupsPath)).pids?.limit, 20);
  await deleteContainer(rt.ctx, c.id, { force: true });
});

test("cpu quota is visible in cpu.cfs_quota_us inside and outside", { skip }, async () => {
  const b = await rt.bundle({
    args: ["sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us; sleep 1000"],
    spec: (s) => (s.linux!.resources = { ...s.linux!.resources, cpu: { quota: 50000, period: 100000 } }),
  });
  const c = await rt.start(b);
  let out = "";
  for (let i = 0; i < 100 && out.split("\n").length < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    out = await c.output();
  }
  assert.deepEqual(out.trim().split("\n"), ["50000", "100000"]);
  const rec = await readRecord(rt.ctx.root, c.id);
  assert.equal(readFileSync(`/sys/fs/cgroup/cpu${rec.cgroupsPath}/cpu.cfs_quota_us`, "utf8").trim(), "50000");
  await deleteContainer(rt.ctx, c.id, { force: true });
});

test("pause freezes every process (state paused, /proc state stopped/frozen), resume thaws", { skip }, async () => {
  const b = await rt.bundle({ args: ["sh", "-c", "while true; do :; done"] });
  const c = await rt.start(b);
  await pauseContainer(rt.ctx, c.id);
  assert.equal((await containerState(rt.ctx, c.id)).status, "paused");
  const stat = readFileSync(`/proc/${c.pid}/stat`, "utf8");
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  // A v1-frozen task sleeps in the freezer (D); cgroup v2 shows it stopped (S/T): never running.
  assert.notEqual(state, "R", stat);
  const ticks = () => Number(readFileSync(`/proc/${c.pid}/stat`, "utf8").split(") ")[1].split(" ")[11]);
  const t0 = ticks();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ticks(), t0, "no cpu time while frozen");
  await resumeContainer(rt.ctx, c.id);
  assert.equal((await containerState(rt.ctx, c.id)).status, "running");
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(ticks() > t0, "runs again after resume");
  await deleteContainer(rt.ctx, c.id, { force: true });
});

test("update changes a running container's limits", { skip }, async () => {
  const { updateContainer } = await import("../../src/runtime/lifecycle/update.js");
  const c = await rt.start(await rt.bundle({ args: ["sleep", "1000"], spec: (s) => (s.linux!.resources = { ...s.linux!.resources, pids: { limit: 50 } }) }));
  const rec = await readRecord(rt.ctx.root, c.id);
  await updateContainer(rt.ctx, c.id, { pids: { limit: 7 }, cpu: { quota: 20000, period: 100000 } });
  assert.equal(readFileSync(`/sys/fs/cgroup/pids${rec.cgroupsPath}/pids.max`, "utf8").trim(), "7");
  assert.equal(readFileSync(`/sys/fs/cgroup/cpu${rec.cgroupsPath}/cpu.cfs_quota_us`, "utf8").trim(), "20000");
  await assert.rejects(updateContainer(rt.ctx, c.id, { cpu: { period: 1 } }), /update .*period/);
  await deleteContainer(rt.ctx, c.id, { force: true });
});
