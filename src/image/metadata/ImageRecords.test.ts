import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import { ImageRecords, type ImageRecordInput } from "./ImageRecords.js";
import { openTestDatabase } from "./testDatabase.js";

const id = (c: string) => `sha256:${c.repeat(64)}`;
const rec = (i: string): ImageRecordInput => ({ id: id(i), manifestDigest: id("f"), manifestMediaType: "application/vnd.oci.image.manifest.v1+json", created: "2024-01-01T00:00:00Z", contentSize: 10, platform: { os: "linux", architecture: "amd64" }, chainId: id("e") });

test("ImageRecords: put, names, tag moves a name, untag, dangling", () => {
  const db = openTestDatabase();
  try {
    let t = 0;
    const r = new ImageRecords(db, () => ++t);
    r.put(rec("a"));
    r.put(rec("b"));
    assert.equal(r.setName("docker.io/library/x:1", id("a")), undefined);
    assert.equal(r.setName("docker.io/library/x:2", id("a")), undefined);
    assert.deepEqual(r.get(id("a"))!.names, ["docker.io/library/x:1", "docker.io/library/x:2"]);
    assert.deepEqual(r.dangling().map((x) => x.id), [id("b")]);
    assert.equal(r.setName("docker.io/library/x:1", id("b")), id("a"), "moving a tag reports the previous image");
    assert.equal(r.byName("docker.io/library/x:1")!.id, id("b"));
    assert.equal(r.removeName("docker.io/library/x:2"), id("a"));
    assert.equal(r.removeName("docker.io/library/x:2"), undefined);
    assert.deepEqual(r.dangling().map((x) => x.id), [id("a")]);
    assert.throws(() => r.setName("n", id("c")), (e) => isEngineError(e, "NotFound"));
    // a re-put keeps names and addedAt
    const before = r.get(id("b"))!;
    r.put({ ...rec("b"), contentSize: 99 });
    const after = r.get(id("b"))!;
    assert.equal(after.addedAt, before.addedAt);
    assert.equal(after.contentSize, 99);
    assert.deepEqual(after.names, ["docker.io/library/x:1"]);
    r.setUnpackedSize(id("b"), 1234);
    assert.equal(r.get(id("b"))!.unpackedSize, 1234);
    assert.deepEqual(r.get(id("b"))!.platform, { os: "linux", architecture: "amd64" });
  } finally {
    db.close();
  }
});

test("ImageRecords: lookup by id prefix is unique or ambiguous", () => {
  const db = openTestDatabase();
  try {
    const r = new ImageRecords(db);
    r.put({ ...rec("a"), id: `sha256:ab${"0".repeat(62)}` });
    r.put({ ...rec("a"), id: `sha256:ac${"0".repeat(62)}` });
    assert.equal(r.byIdPrefix("ab")!.id, `sha256:ab${"0".repeat(62)}`);
    assert.equal(r.byIdPrefix(`sha256:ac${"0".repeat(62)}`)!.id, `sha256:ac${"0".repeat(62)}`);
    assert.equal(r.byIdPrefix("ad"), undefined);
    assert.equal(r.byIdPrefix("not-hex"), undefined);
    assert.throws(() => r.byIdPrefix("a"), (e) => isEngineError(e, "InvalidArgument") && /multiple IDs found with provided prefix: a/.test(e.message));
  } finally {
    db.close();
  }
});

test("ImageRecords: users block removal; schema persists in a WAL file database", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-records-"));
  try {
    const path = join(dir, "berth.db");
    let db = openTestDatabase(path);
    let r = new ImageRecords(db);
    r.put(rec("a"));
    r.setName("docker.io/library/a:latest", id("a"));
    r.addUser({ containerId: "c1", imageId: id("a"), snapshotKey: "container/c1" });
    assert.throws(() => r.remove(id("a")), (e) => isEngineError(e, "Conflict") && /c1/.test(e.message));
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    db.close();
    db = openTestDatabase(path);
    r = new ImageRecords(db);
    assert.deepEqual(r.users(id("a")).map((u) => u.containerId), ["c1"]);
    assert.equal(r.removeUser("c1")!.snapshotKey, "container/c1");
    r.remove(id("a"));
    assert.equal(r.get(id("a")), undefined);
    assert.equal(r.byName("docker.io/library/a:latest"), undefined);
    db.exec("UPDATE berth_schema SET version = 99 WHERE component = 'image'");
    assert.throws(() => new ImageRecords(db), (e) => isEngineError(e, "FailedPrecondition"));
    db.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
