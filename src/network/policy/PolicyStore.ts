/**
 * The allow labels of containers whose network is set up, in SQLite beside the network
 * records: a restarted berthd renders their chains in the very first table it writes (open()),
 * so a running policy container is never left unrestricted between open() and restore().
 */
import { ensureSchema, statementCache, type SqliteDatabase, type SqliteStatement } from "../../image/metadata/sqlite.js";

const SCHEMA_VERSION = 1;
const DDL = `
CREATE TABLE IF NOT EXISTS network_policies (
  container_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  label TEXT NOT NULL
);`;

export interface PolicyRow {
  containerId: string;
  name: string;
  /** The label's value as given. */
  label: string;
}

export class PolicyStore {
  /** Prepared statements, compiled once (a container's network set-up and tear-down use them). */
  private readonly sql: (sql: string) => SqliteStatement;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, "network_policies", SCHEMA_VERSION, DDL);
    this.sql = statementCache(db);
  }

  all(): PolicyRow[] {
    return (this.sql("SELECT container_id, name, label FROM network_policies ORDER BY container_id").all() as { container_id: string; name: string; label: string }[])
      .map((r) => ({ containerId: r.container_id, name: r.name, label: r.label }));
  }

  put(r: PolicyRow): void {
    this.sql("INSERT INTO network_policies (container_id, name, label) VALUES (?, ?, ?) ON CONFLICT(container_id) DO UPDATE SET name = excluded.name, label = excluded.label")
      .run(r.containerId, r.name, r.label);
  }

  delete(containerId: string): void {
    this.sql("DELETE FROM network_policies WHERE container_id = ?").run(containerId);
  }
}
