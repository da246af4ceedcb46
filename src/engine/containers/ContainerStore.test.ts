import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createRequire } from "node:module";
import type { SqliteDatabase } from "../../image/metadata/sqlite.js";
import { ContainerStore } from "./ContainerStore.js";
import { ZERO_TIME, type ContainerRecord } from "./ContainerRecord.js";

const Database = createRequire(import.meta.url)("better-sqlite3") as new (p: string) => SqliteDatabase & { close(): void };

function rec(id: string, name: string): ContainerRecord {
  return {
    id, name, created: new Date().toISOString(), image: "busybox", imageId: `sha256:${"0".repeat(64)}`, config: {}, hostConfig: {},
    path: "sh", args: [], restartCount: 0, dir: `/x/${id}`, logPath: `/x/${id}/container.log`, owner: "",
    state: { status: "created", pid: 0, exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, oomKilled: false, error: "" },
  };
}

const idA = "a".repeat(63) + "1";
const idB = "a".repeat(63) + "2";

test("lookup by full id, name (with or without /), unique prefix; Docker's texts", () => {
  const db = new Database(":memory:");
  const s = new ContainerStore(db);
  s.insert(rec(idA, "web"));
  s.insert(rec(idB, "db"));
  assert.equal(s.get(idA).name, "web");
  assert.equal(s.get("web").id, idA);
  assert.equal(s.get("/db").id, idB);
  assert.equal(s.get(idB.slice(0, 64)).id, idB);
  assert.throws(() => s.get("aaaa"), /multiple IDs found with provided prefix: aaaa/);
  assert.throws(() => s.get("nosuch"), (e: Error & { kind?: string }) => e.kind === "NotFound" && e.message === "No such container: nosuch");
  assert.throws(() => s.insert(rec("b".repeat(64), "web")), new RegExp(`Conflict\\. The container name "/web" is already in use by container "${idA}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.`));
  db.close();
});

test("records survive reopening; rename and delete are written through", () => {
  const db = new Database(":memory:");
  const s = new ContainerStore(db);
  const r = rec(idA, "web");
  s.insert(r);
  r.name = "web2";
  r.state.status = "running";
  s.save(r);
  assert.equal(s.nameTaken("web"), false, "the live store releases the old name (the record was renamed in place)");
  assert.equal(s.get("web2").id, idA);
  assert.equal(s.find("web"), undefined);
  s.insert(rec("b".repeat(64), "web"));
  s.delete("b".repeat(64));
  const again = new ContainerStore(db);
  assert.equal(again.get("web2").state.status, "running");
  assert.equal(again.find("web"), undefined);
  assert.equal(again.nameTaken("web"), false);
  again.delete(idA);
  assert.equal(new ContainerStore(db).all().length, 0);
  db.close();
});
