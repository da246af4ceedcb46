import { test } from "node:test";
import { strict as assert } from "node:assert";
import { makeV1Fixture } from "./cgroup/testing/v1Fixture.js";
import { CgroupV1Manager } from "./cgroup/v1/manager.js";
import { PremadeCgroups } from "./premadeCgroups.js";

const HIERARCHIES = ["cpu,cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd", "unified"];

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 5));
}

test("a cgroup made ahead in every hierarchy is renamed into place; none, or none left after close", async () => {
  const f = await makeV1Fixture();
  try {
    const m = await CgroupV1Manager.open(f.root, { fs: f.fs, remove: { attempts: 3, delayMs: 1 } });
    const cgs = PremadeCgroups.supported(m);
    assert.ok(cgs, "v1 renames");
    const p = new PremadeCgroups(cgs, "/run/berth/runtime", 1);
    assert.match(p.spareName, /^\/berth\/\.spare-[0-9a-f]{8}$/);
    // A crash's leftover is removed at start, and a fresh one made (cpuset filled from the parent).
    await m.create(p.spareName);
    await p.start();
    await p.made();
    assert.equal(await m.exists(p.spareName), true);
    assert.equal((await f.fs.readFile(f.dir("cpuset", `${p.spareName}/cpuset.mems`))).trim(), "0");

    assert.equal(await p.take("/elsewhere/c1"), false, "only berth's default parent");
    assert.equal(await p.take("/berth/c1"), true);
    for (const h of HIERARCHIES) assert.equal(await f.fs.exists(f.dir(h, "/berth/c1")), true, h);
    assert.equal(await m.exists(p.spareName), false);
    assert.equal((await f.fs.readFile(f.dir("cpuset", "/berth/c1/cpuset.cpus"))).trim(), "0-3", "cpuset as create leaves it");
    assert.equal(await p.take("/berth/c2"), false, "used up");

    p.refillSoon();
    await until(async () => await m.exists(p.spareName));
    await p.made();
    // A rename that fails (the target exists in one hierarchy) is undone everywhere, and the spare goes.
    await f.fs.mkdir(f.dir("pids", "/berth/c3"));
    await f.fs.set(f.dir("pids", "/berth/c3/keep"), "x");
    assert.equal(await p.take("/berth/c3"), false);
    for (const h of HIERARCHIES.filter((x) => x !== "pids")) assert.equal(await f.fs.exists(f.dir(h, "/berth/c3")), false, h);
    assert.equal(await m.exists(p.spareName), false, "the spare that could not be used is removed");

    p.refillSoon();
    await until(async () => await m.exists(p.spareName));
    await p.made();
    await p.close();
    assert.equal(await m.exists(p.spareName), false, "close removes it");
    p.refillSoon();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await m.exists(p.spareName), false, "and makes none after");
  } finally {
    await f.cleanup();
  }
});

test("cgroup v2 (no rename) makes nothing ahead", () => {
  assert.equal(PremadeCgroups.supported({ version: 2 } as never), undefined);
});
