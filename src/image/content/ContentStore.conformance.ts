import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { isEngineError } from "../../errors/EngineError.js";
import { sha256Digest } from "../digest.js";
import type { ContentStore } from "./ContentStore.js";

/**
 * The one behaviour suite every ContentStore implementation must pass (containerd's
 * content/testsuite habit). Call it from the implementation's test file with a factory that
 * returns a fresh, empty store and its clean-up.
 */
export interface ContentStoreFixture {
  store: ContentStore;
  cleanup(): Promise<void>;
}

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

export function runContentStoreConformance(name: string, factory: () => Promise<ContentStoreFixture>): void {
  const blob = Buffer.from("hello, berth content store\n");
  const desc = { digest: sha256Digest(blob), size: blob.length };

  const withStore = (title: string, fn: (store: ContentStore) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const f = await factory();
      try {
        await fn(f.store);
      } finally {
        await f.cleanup();
      }
    });

  withStore("write then read back, info, has, list", async (store) => {
    assert.equal(await store.has(desc.digest), false);
    const info = await store.write(desc, blob);
    assert.equal(info.digest, desc.digest);
    assert.equal(info.size, blob.length);
    assert.equal(await store.has(desc.digest), true);
    assert.deepEqual(await store.readBlob(desc.digest), blob);
    assert.equal((await store.info(desc.digest)).size, blob.length);
    assert.deepEqual((await store.list()).map((i) => i.digest), [desc.digest]);
    assert.deepEqual(await collect(await store.openRead(desc.digest, 7)), blob.subarray(7));
  });

  withStore("writing an existing blob is success", async (store) => {
    await store.write(desc, blob);
    const again = await store.write(desc, Readable.from([blob]));
    assert.equal(again.digest, desc.digest);
    assert.equal((await store.list()).length, 1);
  });

  withStore("digest mismatch is InvalidArgument and stores nothing", async (store) => {
    const wrong = Buffer.from(blob);
    wrong[0] = 0x48;
    await assert.rejects(store.write(desc, wrong), (e) => isEngineError(e, "InvalidArgument") && /digest mismatch/.test(e.message));
    assert.equal(await store.has(desc.digest), false);
    assert.deepEqual(await store.list(), []);
  });

  withStore("size mismatch (short and long) is InvalidArgument", async (store) => {
    await assert.rejects(store.write({ ...desc, size: desc.size + 1 }, blob), (e) => isEngineError(e, "InvalidArgument") && /size mismatch/.test(e.message));
    await assert.rejects(store.write({ ...desc, size: desc.size - 1 }, blob), (e) => isEngineError(e, "InvalidArgument") && /size mismatch/.test(e.message));
    assert.deepEqual(await store.list(), []);
  });

  withStore("streams and async iterables are accepted", async (store) => {
    await store.write(desc, Readable.from([blob.subarray(0, 5), blob.subarray(5)]));
    const other = Buffer.from("second");
    async function* gen() {
      yield other.subarray(0, 2);
      yield other.subarray(2);
    }
    const info = await store.writeUnverified(gen());
    assert.equal(info.digest, sha256Digest(other));
    assert.equal(info.size, other.length);
    assert.equal((await store.list()).length, 2);
  });

  withStore("missing blobs are NotFound; delete removes", async (store) => {
    await assert.rejects(store.info(desc.digest), (e) => isEngineError(e, "NotFound"));
    await assert.rejects(store.readBlob(desc.digest), (e) => isEngineError(e, "NotFound"));
    await assert.rejects(store.openRead(desc.digest), (e) => isEngineError(e, "NotFound"));
    await assert.rejects(store.delete(desc.digest), (e) => isEngineError(e, "NotFound"));
    await store.write(desc, blob);
    await store.delete(desc.digest);
    assert.equal(await store.has(desc.digest), false);
  });

  withStore("invalid digests are InvalidArgument", async (store) => {
    await assert.rejects(store.write({ digest: "sha256:ABC", size: 1 }, Buffer.from("x")), (e) => isEngineError(e, "InvalidArgument"));
    await assert.rejects(store.has("md5:00"), (e) => isEngineError(e, "InvalidArgument"));
    assert.throws(() => store.blobPath("sha256:../../etc/passwd"), (e) => isEngineError(e, "InvalidArgument"));
  });

  withStore("concurrent writes of one blob both succeed", async (store) => {
    const [a, b] = await Promise.all([store.write(desc, blob), store.write(desc, Readable.from([blob]))]);
    assert.equal(a.digest, b.digest);
    assert.deepEqual(await store.readBlob(desc.digest), blob);
  });

  withStore("resumable ingest: close keeps bytes, reopen resumes, commit verifies", async (store) => {
    if (!store.ingest) return;
    const w1 = await store.ingest("ref-1", desc);
    assert.equal(w1.offset, 0);
    await w1.write(blob.subarray(0, 10));
    await assert.rejects(store.ingest("ref-1", desc), (e) => isEngineError(e, "Conflict"));
    await w1.close();
    const st = (await store.listIngests?.()) ?? [];
    if (store.listIngests) assert.deepEqual(st.map((s) => [s.ref, s.offset]), [["ref-1", 10]]);
    const w2 = await store.ingest("ref-1", desc);
    assert.equal(w2.offset, 10);
    await w2.write(blob.subarray(10));
    const info = await w2.commit();
    assert.equal(info.digest, desc.digest);
    assert.deepEqual(await store.readBlob(desc.digest), blob);
    if (store.listIngests) assert.deepEqual(await store.listIngests(), []);
  });

  withStore("resumable ingest: corrupt data fails commit and is discarded", async (store) => {
    if (!store.ingest) return;
    const w = await store.ingest("ref-bad", desc);
    await w.write(Buffer.alloc(blob.length, 0x41));
    await assert.rejects(w.commit(), (e) => isEngineError(e, "InvalidArgument"));
    assert.equal(await store.has(desc.digest), false);
    const again = await store.ingest("ref-bad", desc);
    assert.equal(again.offset, 0);
    await again.abort();
    const over = await store.ingest("ref-over", desc);
    await assert.rejects(over.write(Buffer.alloc(blob.length + 1)), (e) => isEngineError(e, "InvalidArgument"));
    if (store.listIngests) assert.deepEqual(await store.listIngests(), []);
  });

  withStore("resumable ingest: abortIngest drops kept bytes; a new expectation restarts", async (store) => {
    if (!store.ingest || !store.abortIngest) return;
    const w = await store.ingest("ref-2", desc);
    await w.write(blob.subarray(0, 4));
    await w.close();
    await store.abortIngest("ref-2");
    const w2 = await store.ingest("ref-2", desc);
    assert.equal(w2.offset, 0);
    await w2.write(blob.subarray(0, 4));
    await w2.close();
    const other = Buffer.from("other");
    const w3 = await store.ingest("ref-2", { digest: sha256Digest(other), size: other.length });
    assert.equal(w3.offset, 0);
    await w3.write(other);
    await w3.commit();
    assert.equal(await store.has(sha256Digest(other)), true);
  });
}
