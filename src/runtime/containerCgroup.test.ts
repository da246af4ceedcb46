import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtempSync, mkdirSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeCgroupManager } from "./testing/FakeCgroupManager.js";
import { defaultCgroupPath, destroyContainerCgroup, releaseCgroupParent } from "./containerCgroup.js";
import { removeIfEmpty } from "./cgroup/tree.js";
import { nodeCgroupFs } from "./cgroup/cgroupFs.js";

test("destroying a container under /berth also tries the shared parent; a chosen parent is left alone", async () => {
  const cg = new FakeCgroupManager();
  await cg.create(defaultCgroupPath("a"));
  await cg.create(defaultCgroupPath("b"));
  await destroyContainerCgroup(cg, defaultCgroupPath("a"));
  await destroyContainerCgroup(cg, defaultCgroupPath("b"));
  await cg.create("/system.slice/c");
  await destroyContainerCgroup(cg, "/system.slice/c");
  assert.deepEqual(cg.calls.filter((c) => !c.startsWith("create")), [
    "destroy /berth/a",
    "removeIfEmpty /berth (busy)",
    "destroy /berth/b",
    "removeIfEmpty /berth",
    "destroy /system.slice/c",
  ]);
});

test("keepParent leaves berth's shared parent to releaseCgroupParent, which removes it only when empty", async () => {
  const cg = new FakeCgroupManager();
  await cg.create(defaultCgroupPath("a"));
  await cg.create(defaultCgroupPath("b"));
  await destroyContainerCgroup(cg, defaultCgroupPath("a"), { keepParent: true });
  await releaseCgroupParent(cg);
  await destroyContainerCgroup(cg, defaultCgroupPath("b"), { keepParent: true });
  await releaseCgroupParent(cg);
  assert.deepEqual(cg.calls.filter((c) => !c.startsWith("create")), [
    "destroy /berth/a",
    "removeIfEmpty /berth (busy)",
    "destroy /berth/b",
    "removeIfEmpty /berth",
  ]);
});

test("removeIfEmpty removes an empty directory, keeps a non-empty one, and accepts a missing one", async () => {
  const root = mkdtempSync(join(tmpdir(), "berth-test-cg-"));
  try {
    mkdirSync(join(root, "parent/child"), { recursive: true });
    assert.equal(await removeIfEmpty(nodeCgroupFs, join(root, "parent")), false);
    assert.ok(existsSync(join(root, "parent")));
    assert.equal(await removeIfEmpty(nodeCgroupFs, join(root, "parent/child")), true);
    assert.equal(await removeIfEmpty(nodeCgroupFs, join(root, "parent")), true);
    assert.equal(await removeIfEmpty(nodeCgroupFs, join(root, "parent")), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
