import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqliteDatabase } from "../../image/metadata/sqlite.js";
import { isEngineError } from "../../errors/EngineError.js";
import { VolumeStore } from "./VolumeStore.js";
import { planContainerVolumes } from "./containerVolumes.js";

const Database = createRequire(import.meta.url)("better-sqlite3") as new (p: string) => SqliteDatabase & { close(): void };

async function withStore(fn: (s: VolumeStore, users: Map<string, string[]>, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "berth-test-volumes-"));
  const db = new Database(":memory:");
  const users = new Map<string, string[]>();
  try {
    await fn(new VolumeStore({ db, root, users: (n) => users.get(n) ?? [] }), users, root);
  } finally {
    db.close();
    await rm(root, { recursive: true, force: true });
  }
}

test("create is idempotent, names are checked, anonymous volumes get 64 hex", async () => {
  await withStore(async (s, _u, root) => {
    const v = await s.create({ name: "data", labels: { a: "1" } });
    assert.equal(v.mountpoint, join(root, "data", "_data"));
    assert.ok(existsSync(v.mountpoint));
    assert.deepEqual((await s.create({ name: "data" })).labels, { a: "1" });
    const anon = await s.create({});
    assert.match(anon.name, /^[0-9a-f]{64}$/);
    assert.equal(anon.anonymous, true);
    for (const bad of ["a", "-x", "a/b", "../up", "x y"]) {
      await assert.rejects(s.create({ name: bad }), (e) => isEngineError(e, "InvalidArgument"), bad);
    }
    await assert.rejects(s.create({ name: "v", driver: "nfs" }), (e) => isEngineError(e, "NotFound"));
    await assert.rejects(s.create({ name: "v", driverOpts: { type: "tmpfs" } }), (e) => isEngineError(e, "NotImplemented"));
    assert.deepEqual(s.list().map((x) => x.name).sort(), [anon.name, "data"].sort());
  });
});

test("rm refuses a volume in use by a container or a create in progress; -f forgives only a missing one", async () => {
  await withStore(async (s, users, root) => {
    await s.create({ name: "busy" });
    await writeFile(join(s.mountpoint("busy"), "f"), "x");
    users.set("busy", ["c1"]);
    await assert.rejects(s.remove("busy", { force: true }), { message: "remove busy: volume is in use - [c1]" });
    users.delete("busy");
    s.claim("busy", "c2");
    await assert.rejects(s.remove("busy", { force: false }), { message: "remove busy: volume is in use - [c2]" });
    s.release("c2");
    assert.equal(await s.size("busy") > 0, true);
    await s.remove("busy", { force: false });
    assert.ok(!existsSync(join(root, "busy")));
    await assert.rejects(s.remove("busy", { force: false }), (e) => isEngineError(e, "NotFound"));
    await s.remove("busy", { force: true });
  });
});

test("plans: named binds, volume mounts, image volumes unless a user mount covers them", () => {
  const plans = planContainerVolumes(
    { Binds: ["data:/d:ro", "/host:/h", "keep:/k:nocopy"], Mounts: [{ Type: "volume", Target: "/anon", VolumeOptions: { NoCopy: true } }], Tmpfs: { "/t": "" } },
    { Volumes: { "/h": {}, "/t": {}, "/img": {}, "/d": {} } },
  );
  assert.deepEqual(plans, [
    { name: "data", destination: "/d", rw: false, mode: "ro", copy: true },
    { name: "keep", destination: "/k", rw: true, mode: "nocopy", copy: false },
    { name: undefined, destination: "/anon", rw: true, mode: "", copy: false, labels: undefined },
    { destination: "/img", rw: true, mode: "", copy: true },
  ]);
  assert.throws(() => planContainerVolumes({ Binds: ["bad name:/d"] }, {}), /invalid characters for a local volume name/);
  assert.throws(() => planContainerVolumes({ Mounts: [{ Type: "volume", Source: "vv", Target: "rel" }] }, {}), /destination must be an absolute path/);
});

test("a directory left by a crash is replaced; concurrent creates of one name make one volume", async () => {
  await withStore(async (s, _u, root) => {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(root, "stale", "_data"), { recursive: true });
    await writeFile(join(root, "stale", "_data", "old"), "x");
    const v = await s.create({ name: "stale" });
    assert.ok(!existsSync(join(v.mountpoint, "old")), "no data resurrected from a directory without a record");
    const [a, b] = await Promise.all([s.create({ name: "twice", claimBy: "c1" }), s.create({ name: "twice" })]);
    assert.deepEqual(a, b);
    assert.deepEqual(s.usedBy("twice"), ["c1"]);
  });
});
