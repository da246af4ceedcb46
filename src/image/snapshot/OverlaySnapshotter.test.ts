import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDatabase } from "../metadata/testDatabase.js";
import { MOUNT_DATA_LIMIT, OverlaySnapshotter } from "./OverlaySnapshotter.js";
import { runSnapshotterConformance } from "./Snapshotter.conformance.js";

async function fixture(rootName = "", spareDirs = false) {
  const base = await mkdtemp(join(tmpdir(), "berth-test-snap-"));
  const root = rootName ? join(base, rootName) : base;
  await mkdir(root, { recursive: true });
  const db = openTestDatabase();
  const snapshotter = new OverlaySnapshotter(root, db, { spareDirs });
  return {
    snapshotter,
    root,
    cleanup: async () => {
      db.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

runSnapshotterConformance("OverlaySnapshotter", () => fixture());

const CTR = { labels: { "berth.container": "x" } };
const spares = async (root: string) => (await readdir(join(root, "snapshots"))).filter((n) => n.startsWith("spare-"));
const layerDir = async (s: OverlaySnapshotter, key: string) => join(await s.writableDir(key), "..");

test("OverlaySnapshotter: removing a container layer makes the next one's directories, which its prepare renames into place; flushDeletes removes an unused set", async () => {
  const f = await fixture("", true);
  try {
    const s = f.snapshotter;
    await s.prepare("base");
    await s.commit("L1", "base");
    await s.prepare("c1", "L1", CTR);
    assert.deepEqual(await spares(f.root), [], "a prepare alone makes none");
    await s.remove("c1", { deferDelete: true });
    await s.flushDeletes();
    assert.deepEqual(await spares(f.root), [], "flushDeletes leaves none behind");
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(await spares(f.root), [], "nor makes one after it (the refill was due 10 ms after the removal)");
    await s.prepare("c2", "L1", CTR);
    await s.remove("c2", { deferDelete: true });
    for (let i = 0; i < 100 && (await spares(f.root)).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await s.spareMade();
    const [spare] = await spares(f.root);
    assert.ok(spare, "the removal of a container layer makes a set");
    assert.deepEqual((await readdir(join(f.root, "snapshots", spare))).sort(), ["fs", "work"]);
    const [m] = await s.prepare("c3", "L1", CTR);
    assert.deepEqual(await spares(f.root), [], "the next container's prepare took it");
    assert.deepEqual((await readdir(await layerDir(s, "c3"))).sort(), ["fs", "work"]);
    assert.ok(m!.options.includes(`upperdir=${await s.writableDir("c3")}`));
    await s.prepare("x", "L1");
    await s.remove("x", { deferDelete: true });
    await s.flushDeletes();
    assert.deepEqual(await spares(f.root), [], "other layers' removals make none");
    assert.deepEqual((await readdir(join(f.root, "snapshots"))).sort(), ["1", "4"]);
  } finally {
    await f.cleanup();
  }
});

test("OverlaySnapshotter: a spare removed by someone else is not needed; a leftover one goes at cleanupOrphans", async () => {
  const f = await fixture("", true);
  try {
    const s = f.snapshotter;
    await s.prepare("c1", undefined, CTR);
    await s.remove("c1", { deferDelete: true });
    for (let i = 0; i < 100 && (await spares(f.root)).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await s.spareMade();
    const [spare] = await spares(f.root);
    await rm(join(f.root, "snapshots", spare!), { recursive: true });
    await s.prepare("c2", undefined, CTR);
    assert.deepEqual((await readdir(await layerDir(s, "c2"))).sort(), ["fs", "work"]);
    await s.flushDeletes();
    // A crash leaves a spare: the next open's cleanupOrphans removes it with the other orphans.
    await mkdir(join(f.root, "snapshots", "spare-0123456789ab", "fs"), { recursive: true });
    assert.deepEqual(await s.cleanupOrphans(), ["spare-0123456789ab"]);
  } finally {
    await f.cleanup();
  }
});

test("OverlaySnapshotter: overlay mount descriptors, top layer first", async () => {
  const f = await fixture();
  try {
    const s = f.snapshotter;
    await s.prepare("x1");
    await s.commit("L1", "x1");
    await s.prepare("x2", "L1");
    await s.commit("L2", "x2");
    const [m] = await s.prepare("c", "L2");
    assert.equal(m!.type, "overlay");
    assert.equal(m!.cwd, undefined);
    const d = (id: number, sub = "fs") => join(f.root, "snapshots", String(id), sub);
    assert.deepEqual(m!.options, ["index=off", `lowerdir=${d(2)}:${d(1)}`, `upperdir=${d(3)}`, `workdir=${d(3, "work")}`]);
    const [v] = await s.view("v", "L2");
    assert.deepEqual(v!.options, ["index=off", `lowerdir=${d(2)}:${d(1)}`]);
    assert.deepEqual((await readdir(join(f.root, "snapshots", "1"))).sort(), ["fs"], "commit drops the work dir");
  } finally {
    await f.cleanup();
  }
});

test("OverlaySnapshotter: deep stacks switch to relative lowerdirs with cwd, within one page", async () => {
  const f = await fixture("a-rather-long-directory-name-to-push-the-absolute-paths-over-the-limit".repeat(2));
  try {
    const s = f.snapshotter;
    let parent: string | undefined;
    for (let i = 0; i < 70; i++) {
      await s.prepare(`x${i}`, parent);
      await s.commit(`L${i}`, `x${i}`);
      parent = `L${i}`;
    }
    const [m] = await s.prepare("c", parent);
    assert.equal(m!.cwd, join(f.root, "snapshots"));
    const data = m!.options.join(",");
    assert.ok(data.length <= MOUNT_DATA_LIMIT);
    assert.match(data, /lowerdir=70\/fs:69\/fs:/);
    assert.match(data, /upperdir=71\/fs,workdir=71\/work$/);
  } finally {
    await f.cleanup();
  }
});

test("OverlaySnapshotter: cleanupOrphans removes directories without metadata", async () => {
  const f = await fixture();
  try {
    await f.snapshotter.prepare("keep");
    await mkdir(join(f.root, "snapshots", "99", "fs"), { recursive: true });
    await mkdir(join(f.root, "snapshots", "rm-7"), { recursive: true });
    assert.deepEqual((await f.snapshotter.cleanupOrphans()).sort(), ["99", "rm-7"]);
    assert.deepEqual(await readdir(join(f.root, "snapshots")), ["1"]);
  } finally {
    await f.cleanup();
  }
});

test("OverlaySnapshotter: remove with deferDelete frees the key at once, the files by flushDeletes", async () => {
  const f = await fixture();
  try {
    await f.snapshotter.prepare("keep");
    await f.snapshotter.prepare("gone");
    const upper = await f.snapshotter.writableDir("gone");
    for (let i = 0; i < 200; i++) await mkdir(join(upper, `d${i}`, "x"), { recursive: true });
    await f.snapshotter.remove("gone", { deferDelete: true });
    assert.deepEqual((await f.snapshotter.list()).map((s) => s.key), ["keep"]);
    await assert.rejects(f.snapshotter.stat("gone"), /not found|does not exist/i);
    assert.ok(!(await readdir(join(f.root, "snapshots"))).includes("2"), "its numbered directory is gone by name at once");
    await f.snapshotter.prepare("gone"); // the key can be reused while the old files are deleted
    await f.snapshotter.flushDeletes();
    assert.deepEqual((await readdir(join(f.root, "snapshots"))).sort(), ["1", "3"]);
  } finally {
    await f.cleanup();
  }
});
