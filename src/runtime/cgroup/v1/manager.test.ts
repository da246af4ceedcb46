import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isEngineError } from "../../../errors/EngineError.js";
import { HYBRID_MOUNTINFO, makeV1Fixture, type V1Fixture } from "../testing/v1Fixture.js";
import { errnoError } from "../testing/fakeKernelFs.js";
import { CgroupV1Manager } from "./manager.js";

const HIERARCHIES = ["cpu,cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd", "unified"];

async function withManager(fn: (f: V1Fixture, m: CgroupV1Manager) => Promise<void>, mountinfo?: string) {
  const f = await makeV1Fixture(mountinfo);
  try {
    const m = await CgroupV1Manager.open(f.root, { fs: f.fs, remove: { attempts: 3, delayMs: 1 }, wait: { attempts: 5, delayMs: 1 }, signal: { rounds: 5, delayMs: 1 } });
    await fn(f, m);
  } finally {
    await f.cleanup();
  }
}

async function existsAnywhere(f: V1Fixture, path: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of HIERARCHIES) if (await f.fs.exists(f.dir(h, path))) out.push(h);
  return out;
}

test("v1 create: the path in every hierarchy, cpuset filled level by level, limits in their own hierarchies", async () => {
  await withManager(async (f, m) => {
    const { procsFiles } = await m.create("/berth/ctr1", {
      memory: { limit: 64 << 20, swap: 128 << 20 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: "1-2", mems: "0" },
      pids: { limit: 20 },
      blockIO: { weight: 200 },
      devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }],
    });
    assert.deepEqual(procsFiles, HIERARCHIES.map((h) => join(f.dir(h, "/berth/ctr1"), "cgroup.procs")));
    const rel = (h: string, p: string) => f.fs.rel(f.dir(h, p));
    assert.deepEqual(f.fs.writesUnder(rel("cpuset", "/berth")), [
      ["cpuset.cpus", "0-3"],
      ["cpuset.mems", "0"],
      ["ctr1/cpuset.cpus", "0-3"],
      ["ctr1/cpuset.mems", "0"],
      ["ctr1/cpuset.cpus", "1-2"],
      ["ctr1/cpuset.mems", "0"],
    ]);
    assert.deepEqual(f.fs.writesUnder(rel("cpu,cpuacct", "/berth/ctr1")), [["cpu.shares", "512"], ["cpu.cfs_period_us", "100000"], ["cpu.cfs_quota_us", "50000"]]);
    assert.deepEqual(f.fs.writesUnder(rel("memory", "/berth/ctr1")), [["memory.limit_in_bytes", String(64 << 20)], ["memory.memsw.limit_in_bytes", String(128 << 20)]]);
    assert.deepEqual(f.fs.writesUnder(rel("pids", "/berth/ctr1")), [["pids.max", "20"]]);
    assert.deepEqual(f.fs.writesUnder(rel("blkio", "/berth/ctr1")), [["blkio.bfq.weight", "200"]]);
    assert.deepEqual(f.fs.writesUnder(rel("devices", "/berth/ctr1")), [["devices.deny", "a"], ["devices.allow", "c 1:3 rwm"]]);
    assert.equal(f.fs.writes.length, 6 + 3 + 2 + 1 + 1 + 2);
    assert.equal(await m.exists("/berth/ctr1"), true);
  });
});

test("v1 create: impossible values fail and leave no directory in any hierarchy; a pre-existing parent stays", async () => {
  await withManager(async (f, m) => {
    await m.create("/berth/keep");
    const cases: [Parameters<CgroupV1Manager["create"]>[1], RegExp][] = [
      [{ cpu: { cpus: "2-7" } }, /cpu\.cpus: "2-7" is not within the parent's effective cpus "0-3"/],
      [{ memory: { limit: -3 } }, /memory\.limit: value -3/],
      [{ unified: { "memory.min": "1" } }, /unified: cgroup v2 keys \(memory\.min\) cannot be applied on cgroup v1/],
      [{ cpu: { quota: 50000, period: -5 } }, /cpu\.period: value -5/],
    ];
    for (const [r, msg] of cases) {
      await assert.rejects(m.create("/berth/bad/leaf", r), (e: unknown) => isEngineError(e, "InvalidArgument") && msg.test(e.message), String(msg));
      assert.deepEqual(await existsAnywhere(f, "/berth/bad"), []);
    }
    // A kernel refusal after the directories exist (limit below usage → EBUSY) also undoes them.
    const fs = f.fs;
    const orig = fs.mkdir.bind(fs);
    fs.mkdir = async (p: string) => {
      await orig(p);
      if (p.endsWith("/memory/berth/busy")) await fs.set(join(p, "memory.usage_in_bytes"), String(500 << 20));
    };
    await assert.rejects(m.create("/berth/busy", { memory: { limit: 100 << 20 } }), (e: unknown) => isEngineError(e, "InvalidArgument") && /memory\.limit: value "104857600" rejected by the kernel: below the cgroup's current memory usage/.test(e.message));
    assert.deepEqual(await existsAnywhere(f, "/berth/busy"), []);
    assert.equal(await m.exists("/berth/keep"), true);
  });
});

test("v1 create: a resource whose controller is not mounted fails before anything is made", async () => {
  const mi = HYBRID_MOUNTINFO.split("\n").filter((l) => !l.includes(" - cgroup cgroup rw,pids")).join("\n");
  await withManager(async (f, m) => {
    await assert.rejects(m.create("/x", { pids: { limit: 5 } }), (e: unknown) => isEngineError(e, "FailedPrecondition") && /pids\.limit: the pids cgroup controller is not mounted/.test(e.message));
    assert.deepEqual(await existsAnywhere(f, "/x"), []);
  }, mi);
});

test("v1 update: missing cgroup is NotFound; values are applied to the existing one", async () => {
  await withManager(async (f, m) => {
    await assert.rejects(m.update("/nope", { pids: { limit: 3 } }), (e: unknown) => isEngineError(e, "NotFound"));
    await m.create("/c");
    await m.update("/c", { pids: { limit: -1 } });
    assert.equal((await f.fs.readFile(join(f.dir("pids", "/c"), "pids.max"))).trim(), "max");
  });
});

test("v1 freezer, pids (recursive), killAll (thaws first, repeats until empty), destroy leaf-first", async () => {
  await withManager(async (f, m) => {
    await m.create("/c");
    await f.fs.mkdir(f.dir("pids", "/c/sub"));
    await f.fs.set(join(f.dir("pids", "/c"), "cgroup.procs"), "100\n101\n");
    await f.fs.set(join(f.dir("pids", "/c/sub"), "cgroup.procs"), "205\n");
    assert.deepEqual(await m.pids("/c"), [100, 101, 205]);

    await m.freeze("/c");
    assert.equal(await m.freezerState("/c"), "frozen");
    const freezerWrites = f.fs.writesUnder(f.fs.rel(f.dir("freezer", "/c")));
    assert.deepEqual(freezerWrites, [["freezer.state", "FROZEN"]]);

    const killed: [number, string | number][] = [];
    const m2 = new CgroupV1Manager(m.hierarchies, {
      fs: f.fs,
      remove: { attempts: 3, delayMs: 1 },
      signal: {
        rounds: 5,
        delayMs: 1,
        kill: (pid, sig) => {
          killed.push([pid, sig]);
          if (pid === 205) throw Object.assign(new Error("gone"), { code: "ESRCH" });
        },
      },
    });
    // First SIGKILL round: 101 "forks" 102 before dying; the second round catches it.
    let round = 0;
    const origRead = f.fs.readFile.bind(f.fs);
    f.fs.readFile = async (p: string) => {
      if (p === join(f.dir("pids", "/c"), "cgroup.procs")) return ["100\n101\n", "102\n", ""][Math.min(round++, 2)]!;
      if (p === join(f.dir("pids", "/c/sub"), "cgroup.procs")) return round <= 1 ? "205\n" : "";
      return origRead(p);
    };
    await m2.killAll("/c", "SIGKILL");
    f.fs.readFile = origRead;
    assert.equal(await m.freezerState("/c"), "thawed", "killAll thaws a frozen cgroup first");
    assert.deepEqual(killed, [[100, "SIGKILL"], [101, "SIGKILL"], [205, "SIGKILL"], [102, "SIGKILL"]]);

    // destroy: processes still listed → EBUSY retried, then a FailedPrecondition naming them.
    await assert.rejects(m.destroy("/c"), (e: unknown) => isEngineError(e, "FailedPrecondition") && /still in use after 3 attempts \(processes: 205\)/.test(e.message));
    await f.fs.set(join(f.dir("pids", "/c/sub"), "cgroup.procs"), "");
    await f.fs.set(join(f.dir("pids", "/c"), "cgroup.procs"), "");
    await m.destroy("/c");
    assert.deepEqual(await existsAnywhere(f, "/c"), []);
    await m.destroy("/c"); // missing is success
    assert.equal(await m.exists("/c"), false);
  });
});

test("v1 killAll with SIGTERM signals each process once and returns while they handle it", async () => {
  await withManager(async (f, m) => {
    await m.create("/c");
    await f.fs.set(join(f.dir("pids", "/c"), "cgroup.procs"), "300\n301\n");
    const killed: number[] = [];
    const m2 = new CgroupV1Manager(m.hierarchies, { fs: f.fs, signal: { rounds: 5, delayMs: 1, kill: (pid) => void killed.push(pid) } });
    await m2.killAll("/c", "SIGTERM");
    assert.deepEqual(killed, [300, 301]);
  });
});

test("v1 stats: memory, cpu (cpuacct + cpu.stat in a combined hierarchy), pids, io", async () => {
  await withManager(async (f, m) => {
    await m.create("/c", { pids: { limit: 50 } });
    const d = (h: string, file: string) => join(f.dir(h, "/c"), file);
    await f.fs.set(d("memory", "memory.usage_in_bytes"), "1052672");
    await f.fs.set(d("memory", "memory.stat"), "total_cache 4096\ntotal_rss 1048576\ntotal_swap 0\n");
    await f.fs.set(d("cpu,cpuacct", "cpuacct.usage"), "12000000");
    await f.fs.set(d("cpu,cpuacct", "cpuacct.stat"), "user 1\nsystem 0\n");
    await f.fs.set(d("pids", "pids.current"), "3");
    const s = await m.stats("/c");
    assert.equal(s.memory!.usage, 1052672);
    assert.equal(s.memory!.limit, Infinity);
    assert.equal(s.memory!.rss, 1048576);
    assert.deepEqual(s.cpu, { usageNs: 12000000, userNs: 10000000, systemNs: 0, perCpuNs: [0, 0], periods: 0, throttledPeriods: 0, throttledNs: 0 });
    assert.deepEqual(s.pids, { current: 3, limit: 50 });
    assert.deepEqual(s.io, { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0, devices: [] });
  });
});

test("v1 oomKills: the oom_kill count of memory.oom_control, the one file read", async () => {
  await withManager(async (f, m) => {
    await m.create("/berth/oom1");
    await f.fs.set(join(f.dir("memory", "/berth/oom1"), "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    assert.equal(await m.oomKills("/berth/oom1"), 3);
    assert.equal(await m.oomKills("/berth/oom1"), (await m.stats("/berth/oom1")).memory!.oomKills);
    await f.fs.set(join(f.dir("memory", "/berth/oom1"), "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\n");
    assert.equal(await m.oomKills("/berth/oom1"), 0, "a kernel without the counter: none");
  });
});

test("v1 create: berth's shared parent removed between its mkdir and its cpuset write (ENODEV) is made again", async () => {
  await withManager(async (f, m) => {
    // Another berth's last container went: it rmdir'd the still-empty /berth just after this
    // create made it, so the write to the removed level's cpuset.mems fails with ENODEV.
    const parentMems = join(f.dir("cpuset", "/berth"), "cpuset.mems");
    const orig = f.fs.writeFile.bind(f.fs);
    let raced = 0;
    f.fs.writeFile = async (p: string, data: string) => {
      if (p === parentMems && raced++ === 0) {
        await f.fs.rmdir(f.dir("cpuset", "/berth"));
        throw errnoError("ENODEV", p);
      }
      return orig(p, data);
    };
    await m.create("/berth/ctr1");
    assert.equal(raced, 2);
    assert.deepEqual(await existsAnywhere(f, "/berth/ctr1"), HIERARCHIES);
    assert.equal((await f.fs.readFile(join(f.dir("cpuset", "/berth/ctr1"), "cpuset.mems"))).trim(), "0");
  });
});
