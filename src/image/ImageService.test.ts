import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEngineError } from "../errors/EngineError.js";
import { storeImage, storeLayer } from "./buildImage.js";
import { ImageService } from "./ImageService.js";
import { openTestDatabase } from "./metadata/testDatabase.js";
import { RwLock } from "./rwLock.js";
import { encodeHeader, dataPadding, endOfArchive } from "./unpack/tarWriter.js";

// Names, lookups and rmi semantics need no unpacking, so these run unprivileged.
async function withService(fn: (s: ImageService) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "berth-test-imgsvc-"));
  const db = openTestDatabase();
  try {
    await fn(await ImageService.open({ root, db }));
  } finally {
    db.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function* tarOf(name: string, content: string): AsyncGenerator<Buffer> {
  const data = Buffer.from(content);
  yield encodeHeader({ path: name, type: "file", mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: new Date(0) });
  yield data;
  yield dataPadding(data.length);
  yield endOfArchive();
}

async function image(s: ImageService, content: string, names: string[]) {
  const l = await storeLayer(s.content, tarOf("f", content));
  const stored = await storeImage(s.content, [l.descriptor], { architecture: "amd64", os: "linux", created: "2024-01-02T03:04:05Z", config: { Labels: { a: "b" } }, rootfs: { type: "layers", diff_ids: [l.diffId] } });
  return s.recordImage(stored.manifest, names);
}

test("ImageService: resolve by name, short and full ID, name@digest; No such image", async () => {
  await withService(async (s) => {
    const rec = await image(s, "one", ["busybox", "localhost:5000/x/y:2"]);
    assert.deepEqual(rec.names, ["docker.io/library/busybox:latest", "localhost:5000/x/y:2"]);
    for (const input of ["busybox", "busybox:latest", "docker.io/library/busybox", rec.id, rec.id.slice(7), rec.id.slice(7, 19), rec.id.slice(0, 15), `busybox@${rec.manifestDigest}`, "localhost:5000/x/y:2"]) {
      assert.equal(s.resolve(input).id, rec.id, input);
    }
    assert.throws(() => s.resolve("nothere"), (e) => isEngineError(e, "NotFound") && e.message === "No such image: nothere");
    assert.throws(() => s.resolve(`other@${rec.manifestDigest}`), (e) => isEngineError(e, "NotFound"));
    assert.throws(() => s.resolve("Bad:Name"), (e) => isEngineError(e, "InvalidArgument"));
  });
});

test("ImageService: list and inspect are Docker-shaped", async () => {
  await withService(async (s) => {
    const rec = await image(s, "one", ["busybox"]);
    s.records.setName(`docker.io/library/busybox@${rec.manifestDigest}`, rec.id);
    const [summary] = await s.list();
    assert.deepEqual(summary!.RepoTags, ["busybox:latest"]);
    assert.deepEqual(summary!.RepoDigests, [`busybox@${rec.manifestDigest}`]);
    assert.equal(summary!.Created, Date.parse("2024-01-02T03:04:05Z") / 1000);
    assert.deepEqual(summary!.Labels, { a: "b" });
    const info = await s.inspect("busybox");
    assert.equal(info.Id, rec.id);
    assert.equal(info.Architecture, "amd64");
    assert.equal(info.RootFS.Type, "layers");
    assert.equal(info.RootFS.Layers.length, 1);
  });
});

test("ImageService: tag and rmi follow Docker's rules", async () => {
  await withService(async (s) => {
    const rec = await image(s, "one", ["app:1"]);
    await s.tag("app:1", "app:2");
    await assert.rejects(s.tag("app:1", `app@sha256:${"a".repeat(64)}`), (e) => isEngineError(e, "InvalidArgument"));
    await assert.rejects(s.remove(rec.id), (e) => isEngineError(e, "Conflict") && /referenced in multiple repositories/.test(e.message));
    assert.deepEqual(await s.remove("app:2"), [{ Untagged: "app:2" }]);
    s.records.setName(`docker.io/library/app@${rec.manifestDigest}`, rec.id);
    // the last tag goes with the digest name, then the image and its blobs
    assert.deepEqual(await s.remove("app:1"), [{ Untagged: "app:1" }, { Untagged: `app@${rec.manifestDigest}` }, { Deleted: rec.id }]);
    assert.deepEqual(await s.content.list(), []);
    const other = await image(s, "two", ["x:1", "y:1"]);
    assert.deepEqual((await s.remove(other.id.slice(7, 19), { force: true })).map((i) => Object.keys(i)[0]), ["Untagged", "Untagged", "Deleted"]);
    await assert.rejects(s.remove("x:1"), (e) => isEngineError(e, "NotFound"));
  });
});

test("ImageService: records refuse a manifest whose layers are missing", async () => {
  await withService(async (s) => {
    const l = await storeLayer(s.content, tarOf("f", "x"));
    const stored = await storeImage(s.content, [l.descriptor], { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [l.diffId] } });
    await s.content.delete(l.descriptor.digest);
    await assert.rejects(s.recordImage(stored.manifest, ["x"]), (e) => isEngineError(e, "NotFound") && /layer blob/.test(e.message));
    const bad = await storeImage(s.content, [], { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [l.diffId] } });
    await assert.rejects(s.recordImage(bad.manifest, []), (e) => isEngineError(e, "InvalidArgument") && /diff_ids/.test(e.message));
  });
});

test("RwLock: readers share, a writer waits for them and excludes new readers", async () => {
  const lock = new RwLock();
  const log: string[] = [];
  let releaseReader!: () => void;
  const r1 = lock.shared(() => new Promise<void>((res) => { log.push("r1 in"); releaseReader = res; }));
  await Promise.resolve();
  const w = lock.exclusive(async () => { log.push("w in"); });
  const r2 = lock.shared(async () => { log.push("r2 in"); });
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(log, ["r1 in"], "writer waits for r1; r2 queues behind the writer");
  releaseReader();
  await Promise.all([r1, w, r2]);
  assert.deepEqual(log, ["r1 in", "w in", "r2 in"]);
});
