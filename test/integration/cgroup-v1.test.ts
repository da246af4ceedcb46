import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isEngineError } from "../../src/errors/EngineError.js";
import { detectCgroupLayout, detectCgroupManager } from "../../src/runtime/cgroup/detect.js";
import type { CgroupV1Manager } from "../../src/runtime/cgroup/v1/manager.js";

/**
 * Root tests against this machine's real cgroup v1 hierarchies: every cgroup lives under
 * /berth-test-<random> in every hierarchy and is removed in `after`, whatever happened.
 */
const skip =
  process.getuid?.() !== 0 ? "needs root to create cgroups"
  : !existsSync("/sys/fs/cgroup/memory/memory.limit_in_bytes") ? "needs the cgroup v1 memory hierarchy (this suite targets the hybrid build host)"
  : false;

const BASE = `/berth-test-${randomBytes(4).toString("hex")}`;
let m: CgroupV1Manager;
const children: ChildProcess[] = [];

before(() => {
  if (!skip) m = detectCgroupManager() as CgroupV1Manager;
});

after(async () => {
  if (skip) return;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const h of m.hierarchies) {
    // Kill anything left, then remove the whole test subtree in every hierarchy.
    if (existsSync(join(h.mountPoint, BASE))) {
      await m.killAll(BASE, "SIGKILL").catch(() => {});
      await m.destroy(BASE);
    }
  }
  for (const h of m.hierarchies) assert.equal(existsSync(join(h.mountPoint, BASE)), false, `leftover ${join(h.mountPoint, BASE)}`);
});

const read = (h: string, path: string, file: string) => readFileSync(join("/sys/fs/cgroup", h, path, file), "utf8").trim();

function blockDevice(): { major: number; minor: number } | undefined {
  for (const name of ["vda", "sda", "nvme0n1", "xvda"]) {
    const p = `/sys/block/${name}/dev`;
    if (existsSync(p)) {
      const [major, minor] = readFileSync(p, "utf8").trim().split(":").map(Number);
      return { major: major!, minor: minor! };
    }
  }
  return undefined;
}

/** Starts `sh -c script` and moves it into the cgroup before it does anything (it waits for a line on stdin). */
async function startIn(procsFiles: string[], script: string): Promise<{ child: ChildProcess; out: () => string; err: () => string; exited: Promise<[number | null, NodeJS.Signals | null]> }> {
  const child = spawn("/bin/sh", ["-c", `read go; ${script}`], { stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on("exit", (code, sig) => r([code, sig])));
  await new Promise((r) => child.once("spawn", r));
  for (const f of procsFiles) await writeFile(f, String(child.pid));
  return { child, out: () => out, err: () => err, exited };
}

async function waitForOutput(get: () => string, text: string, exited: Promise<unknown>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  while (!get().includes(text)) {
    if (done) throw new Error(`process exited before printing ${JSON.stringify(text)}; output: ${get()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("detect picks v1 on this hybrid host", { skip }, () => {
  const layout = detectCgroupLayout("/");
  assert.equal(layout.version, 1);
  assert.equal(m.version, 1);
  const byController = new Map(m.hierarchies.flatMap((h) => h.controllers.map((c) => [c, h.mountPoint] as const)));
  for (const c of ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "name=systemd"]) assert.ok(byController.has(c), c);
  // The controller-less cgroup2 mount is joined too (hybrid), never mistaken for v2.
  assert.deepEqual(m.hierarchies.filter((h) => h.unified).map((h) => h.mountPoint), ["/sys/fs/cgroup/unified"]);
});

test("limits are written to the real files and read back", { skip }, async () => {
  const path = `${BASE}/limits`;
  const dev = blockDevice();
  await m.create(path, {
    memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20, swappiness: 10 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: "1", mems: "0" },
    pids: { limit: 42 },
    blockIO: { weight: 300, ...(dev ? { throttleReadBpsDevice: [{ ...dev, rate: 1 << 20 }], throttleWriteIOPSDevice: [{ ...dev, rate: 77 }] } : {}) },
    devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, { allow: true, type: "c", major: 136, minor: null, access: "rw" }],
  });
  assert.equal(read("memory", path, "memory.limit_in_bytes"), String(64 << 20));
  assert.equal(read("memory", path, "memory.memsw.limit_in_bytes"), String(128 << 20));
  assert.equal(read("memory", path, "memory.soft_limit_in_bytes"), String(32 << 20));
  assert.equal(read("memory", path, "memory.swappiness"), "10");
  assert.equal(read("cpu", path, "cpu.shares"), "512");
  assert.equal(read("cpu", path, "cpu.cfs_quota_us"), "50000");
  assert.equal(read("cpu", path, "cpu.cfs_period_us"), "100000");
  assert.equal(read("cpuset", path, "cpuset.cpus"), "1");
  assert.equal(read("cpuset", path, "cpuset.mems"), "0");
  assert.equal(read("cpuset", BASE, "cpuset.cpus"), read("cpuset", "/", "cpuset.cpus"), "intermediate level copied from the root");
  assert.equal(read("pids", path, "pids.max"), "42");
  const weightFile = existsSync(join("/sys/fs/cgroup/blkio", path, "blkio.weight")) ? "blkio.weight" : "blkio.bfq.weight";
  assert.match(read("blkio", path, weightFile), /(^|\s)300$/);
  if (dev) {
    assert.equal(read("blkio", path, "blkio.throttle.read_bps_device"), `${dev.major}:${dev.minor} ${1 << 20}`);
    assert.equal(read("blkio", path, "blkio.throttle.write_iops_device"), `${dev.major}:${dev.minor} 77`);
  }
  assert.deepEqual(read("devices", path, "devices.list").split("\n").sort(), ["c 136:* rw", "c 1:3 rwm"]);

  // docker update in both directions: raising then lowering memory+swap.
  await m.update(path, { memory: { limit: 256 << 20, swap: 512 << 20 } });
  assert.equal(read("memory", path, "memory.limit_in_bytes"), String(256 << 20));
  await m.update(path, { memory: { limit: 16 << 20, swap: 16 << 20 }, pids: { limit: -1 }, cpu: { quota: -1 } });
  assert.equal(read("memory", path, "memory.limit_in_bytes"), String(16 << 20));
  assert.equal(read("memory", path, "memory.memsw.limit_in_bytes"), String(16 << 20));
  assert.equal(read("pids", path, "pids.max"), "max");
  assert.equal(read("cpu", path, "cpu.cfs_quota_us"), "-1");
  await m.destroy(path);
  for (const h of m.hierarchies) assert.equal(existsSync(join(h.mountPoint, path)), false, h.mountPoint);
});

test("a real process joins via procsFiles, freezes, thaws, is killed; destroy leaves nothing", { skip }, async () => {
  const path = `${BASE}/life`;
  const { procsFiles } = await m.create(path, { pids: { limit: 10 } });
  assert.equal(procsFiles.length, m.hierarchies.length);
  const p = await startIn(procsFiles, "exec sleep 1000");
  p.child.stdin!.write("go\n");
  const pid = p.child.pid!;
  const cgroupLines = readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
  for (const c of ["memory", "cpu", "cpuacct", "cpuset", "pids", "freezer", "blkio", "devices", "name=systemd"]) {
    assert.ok(cgroupLines.some((l) => l.split(":")[1]!.split(",").includes(c) && l.endsWith(`:${path}`)), `${c} in ${cgroupLines.join(" | ")}`);
  }
  assert.ok(cgroupLines.includes(`0::${path}`), "hybrid cgroup2 joined");
  assert.deepEqual(await m.pids(path), [pid]);

  await m.freeze(path);
  assert.equal(await m.freezerState(path), "frozen");
  assert.equal(read("freezer", path, "freezer.state"), "FROZEN");
  await m.thaw(path);
  assert.equal(await m.freezerState(path), "thawed");

  await m.freeze(path);
  await m.killAll(path, "SIGKILL"); // thaws first, so the kill is delivered
  assert.deepEqual(await p.exited, [null, "SIGKILL"]);
  assert.deepEqual(await m.pids(path), []);
  await m.destroy(path);
  for (const h of m.hierarchies) assert.equal(existsSync(join(h.mountPoint, path)), false, h.mountPoint);
  await m.destroy(path); // missing is success
});

test("stats: memory and cpu usage after real work, exact per-cpu sum, pids, oom counter", { skip }, async () => {
  const path = `${BASE}/stats`;
  const { procsFiles } = await m.create(path, { memory: { limit: 256 << 20 }, pids: { limit: 20 } });
  const p = await startIn(procsFiles, 'x=$(head -c 8000000 /dev/zero | tr "\\0" a); i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; read stop');
  p.child.stdin!.write("go\n");
  await waitForOutput(p.out, "done", p.exited);
  const s = await m.stats(path);
  assert.ok(s.memory!.usage > 8_000_000, `usage ${s.memory!.usage}`);
  assert.ok(s.memory!.maxUsage! >= s.memory!.usage);
  assert.ok(s.memory!.rss! > 8_000_000, `rss ${s.memory!.rss}`);
  assert.equal(s.memory!.limit, 256 << 20);
  assert.equal(s.memory!.oomKills, 0);
  assert.ok(s.cpu!.usageNs > 0);
  assert.equal(s.cpu!.perCpuNs!.reduce((a, b) => a + b, 0), s.cpu!.usageNs, "cpuacct.usage is the sum of the idle cgroup's per-cpu usage");
  assert.ok(s.cpu!.userNs + s.cpu!.systemNs > 0);
  assert.equal(s.cpu!.userNs % 10_000_000, 0, "USER_HZ ticks converted to ns");
  assert.deepEqual(s.pids, { current: 1, limit: 20 });
  assert.equal(typeof s.io!.readBytes, "number");

  // Lowering memory+swap below what the process holds: the kernel's EBUSY, reported as InvalidArgument.
  await assert.rejects(m.update(path, { memory: { limit: 1 << 20, swap: 1 << 20 } }), (e: unknown) => isEngineError(e, "InvalidArgument") && /memory\.(limit|swap): value .* below the cgroup's current memory usage/.test(e.message));

  p.child.stdin!.end("stop\n");
  assert.deepEqual(await p.exited, [0, null]);
  await m.destroy(path);
});

test("a pids limit makes fork fail inside the cgroup", { skip }, async () => {
  const path = `${BASE}/pids`;
  const { procsFiles } = await m.create(path, { pids: { limit: 1 } });
  const p = await startIn(procsFiles, "/bin/true && echo forked || echo nofork");
  p.child.stdin!.write("go\n");
  await p.exited;
  assert.doesNotMatch(p.out(), /forked/);
  assert.match(p.err() + p.out(), /fork/i);
  assert.match(read("pids", path, "pids.events"), /^max [1-9]/m);
  await m.destroy(path);
});

test("create with an impossible value fails with InvalidArgument and leaves nothing in any hierarchy", { skip }, async () => {
  const path = `${BASE}/bad/leaf`;
  const cases: [Parameters<CgroupV1Manager["create"]>[1], RegExp][] = [
    [{ cpu: { cpus: "0-255" } }, /cpu\.cpus: "0-255" is not within the parent's effective cpus/],
    [{ memory: { limit: -10 } }, /memory\.limit: value -10/],
    // Passes validation, refused by the kernel after the directories exist (runtime > period).
    [{ cpu: { realtimePeriod: 1000000, realtimeRuntime: 2000000 } }, /cpu\.realtime(Period|Runtime): value .* rejected by the kernel/],
  ];
  for (const [r, re] of cases) {
    await assert.rejects(m.create(path, r), (e: unknown) => isEngineError(e, "InvalidArgument") && re.test(e.message), String(re));
    for (const h of m.hierarchies) assert.equal(existsSync(join(h.mountPoint, BASE, "bad")), false, `${h.mountPoint} after ${re}`);
  }
});
