import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENGINE_ID_FILE, loadOrCreateEngineId } from "./systemIdentity.js";
import { backingFilesystem } from "./systemHostFacts.js";

test("the engine id is created once, kept across loads, and replaced when unreadable", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-engine-id-"));
  try {
    const id = await loadOrCreateEngineId(dir);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(await loadOrCreateEngineId(dir), id);
    assert.equal((await readFile(join(dir, ENGINE_ID_FILE), "utf8")).trim(), id);
    await writeFile(join(dir, ENGINE_ID_FILE), "garbage");
    const fresh = await loadOrCreateEngineId(dir);
    assert.notEqual(fresh, id);
    assert.match(fresh, /^[0-9a-f-]{36}$/);
    await assert.rejects(loadOrCreateEngineId(join(dir, ENGINE_ID_FILE, "not-a-dir")), /engine id/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("backing filesystem names come from statfs magic numbers", () => {
  assert.match(backingFilesystem(tmpdir()), /^(extfs|xfs|btrfs|tmpfs|overlayfs|zfs|nfs|fuse|<unknown.*>)$/);
  assert.equal(backingFilesystem("/nonexistent/berth-test"), "<unknown>");
});
