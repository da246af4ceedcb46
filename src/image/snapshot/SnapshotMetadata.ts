import { alreadyExists, failedPrecondition, invalidArgument, notFound } from "../../errors/EngineError.js";
import { ensureSchema, statementCache, type SqliteDatabase, type SqliteStatement } from "../metadata/sqlite.js";
import type { SnapshotInfo, SnapshotKind } from "./Snapshotter.js";

/**
 * The snapshot table: key → numeric id (the directory name, short so that deep layer stacks fit
 * in one page of mount options), kind, parent key, labels. All checks and changes of the tree
 * happen inside SQLite transactions, so two callers cannot both take one key.
 */
export interface SnapshotRow extends SnapshotInfo {
  id: number;
}

const DDL = `
CREATE TABLE IF NOT EXISTS snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('active', 'view', 'committed')),
  parent TEXT REFERENCES snapshots(key) ON UPDATE CASCADE,
  created_at INTEGER NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS snapshots_by_parent ON snapshots(parent);
`;

interface Row {
  id: number;
  key: string;
  kind: SnapshotKind;
  parent: string | null;
  created_at: number;
  labels: string;
}

function toInfo(r: Row): SnapshotRow {
  const info: SnapshotRow = { id: r.id, key: r.key, kind: r.kind, createdAt: r.created_at, labels: JSON.parse(r.labels) as Record<string, string> };
  if (r.parent !== null) info.parent = r.parent;
  return info;
}

export function validateSnapshotKey(key: string, what = "snapshot key"): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 1024 || key.includes("\0")) throw invalidArgument(`validate ${what}: invalid ${what} ${JSON.stringify(key)}`);
  return key;
}

export class SnapshotMetadata {
  /** Prepared statements, compiled once: a container's create runs about six. */
  private readonly stmt: (sql: string) => SqliteStatement;

  constructor(private readonly db: SqliteDatabase, private readonly now: () => number = Date.now) {
    ensureSchema(db, "snapshot", 1, DDL);
    this.stmt = statementCache(db);
  }

  get(key: string): SnapshotRow | undefined {
    const r = this.stmt("SELECT * FROM snapshots WHERE key = ?").get(key) as Row | undefined;
    return r ? toInfo(r) : undefined;
  }

  mustGet(key: string, action: string): SnapshotRow {
    const r = this.get(key);
    if (!r) throw notFound(`${action}: snapshot ${JSON.stringify(key)} does not exist`);
    return r;
  }

  list(): SnapshotRow[] {
    return (this.stmt("SELECT * FROM snapshots ORDER BY id").all() as Row[]).map(toInfo);
  }

  /** The chain from `key` up to the root: [key, parent, grandparent, ...]. */
  chain(key: string): SnapshotRow[] {
    const out: SnapshotRow[] = [];
    let cur: string | undefined = key;
    while (cur !== undefined) {
      const r = this.mustGet(cur, "resolve snapshot chain");
      out.push(r);
      cur = r.parent;
    }
    return out;
  }

  create(key: string, kind: "active" | "view", parent: string | undefined, labels: Record<string, string>): SnapshotRow {
    validateSnapshotKey(key);
    return this.db.transaction(() => {
      if (this.get(key)) throw alreadyExists(`create snapshot: snapshot ${JSON.stringify(key)} already exists`);
      if (parent !== undefined) {
        const p = this.mustGet(parent, "create snapshot");
        if (p.kind !== "committed") throw failedPrecondition(`create snapshot: parent ${JSON.stringify(parent)} is ${p.kind}, not committed`);
      }
      const res = this.stmt("INSERT INTO snapshots (key, kind, parent, created_at, labels) VALUES (?, ?, ?, ?, ?)").run(key, kind, parent ?? null, this.now(), JSON.stringify(labels));
      return this.get(key)!;
      void res;
    })();
  }

  /** Active `key` becomes committed `name`; `parent` stacks a parentless snapshot on a committed one. */
  commit(name: string, key: string, labels: Record<string, string> | undefined, parent?: string): SnapshotRow {
    validateSnapshotKey(name, "snapshot name");
    return this.db.transaction(() => {
      const r = this.mustGet(key, "commit snapshot");
      if (r.kind !== "active") throw failedPrecondition(`commit snapshot: ${JSON.stringify(key)} is ${r.kind}, not active`);
      if (this.get(name)) throw alreadyExists(`commit snapshot: snapshot ${JSON.stringify(name)} already exists`);
      if (parent !== undefined && parent !== r.parent) {
        if (r.parent !== undefined) throw failedPrecondition(`commit snapshot: ${JSON.stringify(key)} already has parent ${JSON.stringify(r.parent)}, not ${JSON.stringify(parent)}`);
        const p = this.mustGet(parent, "commit snapshot");
        if (p.kind !== "committed") throw failedPrecondition(`commit snapshot: parent ${JSON.stringify(parent)} is ${p.kind}, not committed`);
      }
      const merged = { ...r.labels, ...(labels ?? {}) };
      this.stmt("UPDATE snapshots SET key = ?, kind = 'committed', labels = ?, parent = ? WHERE id = ?").run(name, JSON.stringify(merged), parent ?? r.parent ?? null, r.id);
      return this.get(name)!;
    })();
  }

  /** Deletes the row (the caller removes the directory afterwards); refuses with children. */
  remove(key: string): SnapshotRow {
    return this.db.transaction(() => {
      const r = this.mustGet(key, "remove snapshot");
      const child = this.stmt("SELECT key FROM snapshots WHERE parent = ? LIMIT 1").get(key) as { key: string } | undefined;
      if (child) throw failedPrecondition(`remove snapshot: ${JSON.stringify(key)} has a child snapshot ${JSON.stringify(child.key)}`);
      this.stmt("DELETE FROM snapshots WHERE id = ?").run(r.id);
      return r;
    })();
  }

  ids(): Set<number> {
    return new Set((this.stmt("SELECT id FROM snapshots").all() as Array<{ id: number }>).map((r) => r.id));
  }
}
