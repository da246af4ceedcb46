import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Digest } from "../digest.js";
import { runContentStoreConformance } from "./ContentStore.conformance.js";
import { FsContentStore } from "./FsContentStore.js";

runContentStoreConformance("FsContentStore", async () => {
  const root = await mkdtemp(join(tmpdir(), "berth-test-content-"));
  return { store: new FsContentStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

test("FsContentStore: image-spec layout and no stray temp files after a failed write", async () => {
  const root = await mkdtemp(join(tmpdir(), "berth-test-content-"));
  try {
    const store = new FsContentStore(root);
    const blob = Buffer.from("layout");
    const d = sha256Digest(blob);
    await store.write({ digest: d, size: blob.length }, blob);
    assert.equal(store.blobPath(d), join(root, "content", "blobs", "sha256", d.slice(7)));
    await assert.rejects(store.write({ digest: sha256Digest("x"), size: blob.length }, blob));
    assert.deepEqual(await readdir(join(root, "content", "ingest")), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
