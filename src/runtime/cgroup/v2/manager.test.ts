import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isEngineError } from "../../../errors/EngineError.js";
import { errnoError } from "../testing/fakeKernelFs.js";
import { makeV2Fixture, type V2Fixture, type V2FixtureOptions } from "../testing/v2Fixture.js";
import { CgroupV2Manager } from "./manager.js";

async function withManager(fn: (f: V2Fixture, m: CgroupV2Manager) => Promise<void>, o?: V2FixtureOptions) {
  const f = await makeV2Fixture(o);
  try {
    await fn(f, new CgroupV2Manager(f.mountPoint, { fs: f.fs, remove: { attempts: 3, delayMs: 1 }, wait: { attempts: 5, delayMs: 1 }, signal: { rounds: 5, delayMs: 1 } }));
  } finally {
    await f.cleanup();
  }
}

const ENABLE_ALL = ["+cpuset", "+cpu", "+io", "+memory", "+hugetlb", "+pids", "+rdma", "+misc"].map((v) => ["cgroup.subtree_control", v]);

test("v2 create: controllers enabled in every ancestor (not the leaf), then the limits, unified last", async () => {
  await withManager(async (f, m) => {
    const { procsFiles } = await m.create("/berth/ctr1", {
      memory: { limit: 64 << 20, swap: 96 << 20, reservation: 16 << 20 },
      cpu: { shares: 512, quota: 20000, period: 100000, cpus: "1", mems: "0" },
      pids: { limit: 0 },
      blockIO: { throttleWriteBpsDevice: [{ major: 254, minor: 0, rate: 1 << 20 }] },
      devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }],
      unified: { "memory.min": "8388608", "memory.high": "max" },
    });
    assert.deepEqual(procsFiles, [join(f.dir("/berth/ctr1"), "cgroup.procs")]);
    assert.deepEqual(f.fs.writes.map((w) => [w.path.slice("sys/fs/cgroup/".length), w.data]), [
      ...ENABLE_ALL,
      ...ENABLE_ALL.map(([p, v]) => [`berth/${p}`, v]),
      ["berth/ctr1/memory.max", String(64 << 20)],
      ["berth/ctr1/memory.swap.max", String(32 << 20)],
      ["berth/ctr1/memory.low", String(16 << 20)],
      ["berth/ctr1/cpu.weight", "20"],
      ["berth/ctr1/cpu.max", "20000 100000"],
      ["berth/ctr1/cpuset.cpus", "1"],
      ["berth/ctr1/cpuset.mems", "0"],
      ["berth/ctr1/pids.max", "max"],
      ["berth/ctr1/io.max", "254:0 wbps=1048576"],
      ["berth/ctr1/memory.min", "8388608"],
      ["berth/ctr1/memory.high", "max"],
    ]);
    assert.equal(m.enforcesDeviceRules, false);
    // A second container under the same parent finds everything enabled already.
    f.fs.writes.length = 0;
    await m.create("/berth/ctr2");
    assert.deepEqual(f.fs.writes, []);
  });
});

test("v2 create: only available controllers are enabled; a resource needing a missing one fails before mkdir", async () => {
  await withManager(async (f, m) => {
    await assert.rejects(m.create("/c", { blockIO: { weight: 100 } }), (e: unknown) => isEngineError(e, "FailedPrecondition") && /blockIO: the io controller is not available/.test(e.message));
    assert.equal(await m.exists("/c"), false);
    await m.create("/c", { pids: { limit: 7 } });
    assert.deepEqual(f.fs.writes.map((w) => [w.path.slice("sys/fs/cgroup/".length), w.data]), [["cgroup.subtree_control", "+memory"], ["cgroup.subtree_control", "+pids"], ["c/pids.max", "7"]]);
  }, { controllers: ["memory", "pids"] });
});

test("v2 create: failures remove what was made (unknown unified key, reserved key, cpuset outside parent, refused delegation)", async () => {
  await withManager(async (f, m) => {
    const cases: [Parameters<CgroupV2Manager["create"]>[1], string, RegExp][] = [
      [{ unified: { "memory.nonsense": "1" } }, "InvalidArgument", /unified: unknown key "memory\.nonsense"/],
      [{ unified: { "cgroup.procs": "1" } }, "InvalidArgument", /unified: key "cgroup\.procs" may not be set/],
      [{ unified: { "net_cls.classid": "1" } }, "FailedPrecondition", /net_cls controller is not available/],
      [{ cpu: { cpus: "0-9" } }, "InvalidArgument", /cpu\.cpus: "0-9" is not within the parent's effective cpus "0-3"/],
      [{ cpu: { shares: 1 } }, "InvalidArgument", /cpu\.shares: value 1 out of range/],
      [{ memory: { limit: -2 } }, "InvalidArgument", /memory\.limit: value -2/],
    ];
    for (const [r, kind, re] of cases) {
      await assert.rejects(m.create("/p/leaf", r), (e: unknown) => isEngineError(e) && e.kind === kind && re.test(e.message), String(re));
      assert.equal(await m.exists("/p"), false, String(re));
    }
    // The kernel refuses to delegate cpu below /p (e.g. a realtime task): needed → clear failure, nothing left.
    const orig = f.fs.writeFile.bind(f.fs);
    f.fs.writeFile = async (p: string, d: string) => {
      if (p === join(f.dir("/p"), "cgroup.subtree_control") && d === "+cpu") throw errnoError("EINVAL", p);
      return orig(p, d);
    };
    await assert.rejects(m.create("/p/leaf", { cpu: { shares: 100 } }), (e: unknown) => isEngineError(e, "FailedPrecondition") && /cpu: the cpu controller could not be enabled .*EINVAL/.test(e.message));
    assert.equal(await m.exists("/p"), false);
    // Not needed → the container is created without it.
    await m.create("/p/leaf", { pids: { limit: 3 } });
    assert.equal((await f.fs.readFile(join(f.dir("/p/leaf"), "cgroup.controllers"))).trim(), "cpuset io memory hugetlb pids rdma misc");
  });
});

test("v2 freeze/thaw wait for cgroup.events; a freeze that never settles is undone", async () => {
  await withManager(async (f, m) => {
    await m.create("/c");
    await m.freeze("/c");
    assert.equal(await m.freezerState("/c"), "frozen");
    await m.thaw("/c");
    assert.equal(await m.freezerState("/c"), "thawed");
    // A kernel that accepts cgroup.freeze but never reports frozen 1.
    const orig = f.fs.writeFile.bind(f.fs);
    f.fs.writeFile = async (p: string, d: string) => (p.endsWith("cgroup.freeze") ? f.fs.set(p, d) : orig(p, d));
    await assert.rejects(m.freeze("/c"), (e: unknown) => isEngineError(e, "Unavailable") && /never reported frozen 1/.test(e.message));
    assert.equal((await f.fs.readFile(join(f.dir("/c"), "cgroup.freeze"))).trim(), "0");
  });
});

test("v2 killAll: thaws, uses cgroup.kill for SIGKILL, then waits until empty; destroy removes the tree", async () => {
  await withManager(async (f, m) => {
    await m.create("/c");
    await f.fs.mkdir(f.dir("/c/inner"));
    await f.fs.set(join(f.dir("/c"), "cgroup.procs"), "");
    await f.fs.set(join(f.dir("/c/inner"), "cgroup.procs"), "400\n");
    assert.deepEqual(await m.pids("/c"), [400]);
    await m.freeze("/c");
    const killed: number[] = [];
    const m2 = new CgroupV2Manager(f.mountPoint, {
      fs: f.fs,
      signal: { rounds: 5, delayMs: 1, kill: (pid) => void killed.push(pid) },
    });
    const orig = f.fs.writeFile.bind(f.fs);
    f.fs.writeFile = async (p: string, d: string) => {
      await orig(p, d);
      if (p.endsWith("/c/cgroup.kill")) await f.fs.set(join(f.dir("/c/inner"), "cgroup.procs"), "");
    };
    f.fs.writes.length = 0;
    await m2.killAll("/c", "SIGKILL");
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(f.dir("/c"))), [["cgroup.freeze", "0"], ["cgroup.kill", "1"]]);
    assert.deepEqual(killed, []);
    await m.destroy("/c");
    assert.equal(await m.exists("/c"), false);
    await m.destroy("/c");
  });
});

test("v2 stats: memory, cpu, pids, io from one directory", async () => {
  await withManager(async (f, m) => {
    await m.create("/c", { pids: { limit: 9 } });
    const d = f.dir("/c");
    await f.fs.set(join(d, "memory.current"), "4096");
    await f.fs.set(join(d, "cpu.stat"), "usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
    await f.fs.set(join(d, "pids.current"), "2");
    const s = await m.stats("/c");
    assert.equal(s.memory!.usage, 4096);
    assert.deepEqual(s.cpu, { usageNs: 10000, userNs: 6000, systemNs: 4000, periods: 0, throttledPeriods: 0, throttledNs: 0 });
    assert.deepEqual(s.pids, { current: 2, limit: 9 });
    assert.deepEqual(s.io, { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0, devices: [] });
  });
});

test("v2 oomKills: the oom_kill count of memory.events; 0 without the file", async () => {
  await withManager(async (f, m) => {
    await m.create("/berth/oom2");
    assert.equal(await m.oomKills("/berth/oom2"), 0);
    await f.fs.set(join(f.dir("/berth/oom2"), "memory.events"), "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n");
    assert.equal(await m.oomKills("/berth/oom2"), 2);
  });
});
