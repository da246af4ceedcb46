import { test } from "node:test";
import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import type { Snapshotter } from "./Snapshotter.js";

/**
 * Behaviour every Snapshotter must show, without mounting (so it runs unprivileged): the tree of
 * active/committed/view snapshots, key rules, refusal to remove parents, usage accounting.
 */
export interface SnapshotterFixture {
  snapshotter: Snapshotter;
  cleanup(): Promise<void>;
}

export function runSnapshotterConformance(name: string, factory: () => Promise<SnapshotterFixture>): void {
  const withSn = (title: string, fn: (s: Snapshotter) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const f = await factory();
      try {
        await fn(f.snapshotter);
      } finally {
        await f.cleanup();
      }
    });

  withSn("prepare, write, commit, child on top", async (s) => {
    const m = await s.prepare("extract-1");
    assert.equal(m.length, 1);
    await writeFile(join(await s.writableDir("extract-1"), "file"), "x".repeat(5000));
    await s.commit("layer-1", "extract-1");
    await assert.rejects(s.stat("extract-1"), (e) => isEngineError(e, "NotFound"));
    const info = await s.stat("layer-1");
    assert.equal(info.kind, "committed");
    assert.equal(info.parent, undefined);
    const mounts = await s.prepare("container-1", "layer-1", { labels: { owner: "c1" } });
    assert.equal(mounts.length, 1);
    const st = await s.stat("container-1");
    assert.deepEqual([st.kind, st.parent, st.labels.owner], ["active", "layer-1", "c1"]);
    assert.deepEqual((await s.list()).map((i) => i.key).sort(), ["container-1", "layer-1"]);
    const u = await s.usage("layer-1");
    assert.ok(u.size >= 5000, `usage counts the file: ${u.size}`);
    assert.ok(u.inodes >= 2);
  });

  withSn("keys are unique; parents must exist and be committed", async (s) => {
    await s.prepare("a");
    await assert.rejects(s.prepare("a"), (e) => isEngineError(e, "AlreadyExists"));
    await assert.rejects(s.prepare("b", "missing"), (e) => isEngineError(e, "NotFound"));
    await assert.rejects(s.prepare("b", "a"), (e) => isEngineError(e, "FailedPrecondition"));
    await s.commit("a-done", "a");
    await s.prepare("c");
    await assert.rejects(s.commit("a-done", "c"), (e) => isEngineError(e, "AlreadyExists"));
    await assert.rejects(s.commit("x", "a-done"), (e) => isEngineError(e, "FailedPrecondition"));
    await assert.rejects(s.prepare(""), (e) => isEngineError(e, "InvalidArgument"));
  });

  withSn("remove refuses a parent with children, then works bottom-up", async (s) => {
    await s.prepare("l1");
    await s.commit("L1", "l1");
    await s.prepare("l2", "L1");
    await s.commit("L2", "l2");
    await s.view("v", "L2");
    await assert.rejects(s.remove("L1"), (e) => isEngineError(e, "FailedPrecondition"));
    await assert.rejects(s.remove("L2"), (e) => isEngineError(e, "FailedPrecondition"));
    await s.remove("v");
    await s.remove("L2");
    await s.remove("L1");
    assert.deepEqual(await s.list(), []);
    await assert.rejects(s.remove("L1"), (e) => isEngineError(e, "NotFound"));
  });

  withSn("a parentless snapshot can be committed on top of a committed parent", async (s) => {
    await s.prepare("l1");
    await s.prepare("l2"); // applied before its parent is committed
    await assert.rejects(s.commit("L2", "l2", { parent: "l1" }), (e) => isEngineError(e, "FailedPrecondition"));
    await assert.rejects(s.commit("L2", "l2", { parent: "missing" }), (e) => isEngineError(e, "NotFound"));
    assert.equal((await s.stat("l2")).kind, "active");
    await s.commit("L1", "l1");
    await s.commit("L2", "l2", { parent: "L1" });
    assert.equal((await s.stat("L2")).parent, "L1");
    await assert.rejects(s.remove("L1"), (e) => isEngineError(e, "FailedPrecondition"));
    await s.prepare("l3", "L2");
    await assert.rejects(s.commit("L3", "l3", { parent: "L1" }), (e) => isEngineError(e, "FailedPrecondition"));
    await s.commit("L3", "l3", { parent: "L2" });
    assert.equal((await s.stat("L3")).parent, "L2");
  });

  withSn("views are read-only and committed snapshots have no mounts", async (s) => {
    await s.prepare("l1");
    await s.commit("L1", "l1");
    const v = await s.view("v1", "L1");
    assert.ok(v[0]!.options.includes("ro"), JSON.stringify(v));
    await assert.rejects(s.mounts("L1"), (e) => isEngineError(e, "InvalidArgument"));
    await assert.rejects(s.writableDir("v1"), (e) => isEngineError(e, "InvalidArgument"));
  });
}
