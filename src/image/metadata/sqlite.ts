import { failedPrecondition } from "../../errors/EngineError.js";

/**
 * The slice of better-sqlite3's Database that the image metadata uses. The composition root
 * passes the real instance (`new Database(path)`); typing it here keeps this layer free of a
 * types package and documents exactly what is relied on.
 */
export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqliteStatement {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  transaction<F extends (...args: any[]) => any>(fn: F): F;
}

/**
 * `db.prepare`, compiled once per SQL text: a prepare costs tens of µs, and a container's
 * create, start and removal run a few dozen statements between them. Returns the lookup.
 */
export function statementCache(db: SqliteDatabase): (sql: string) => SqliteStatement {
  const statements = new Map<string, SqliteStatement>();
  return (sql) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
}

/**
 * Creates a component's tables once and records its schema version; refuses a database written
 * by a newer berth (its tables may mean something this code does not know).
 */
export function ensureSchema(db: SqliteDatabase, component: string, version: number, ddl: string): void {
  db.pragma("journal_mode = WAL");
  // NORMAL, not FULL: no fsync per commit (only at checkpoints). A daemon crash loses nothing
  // (the WAL is in the page cache); a power loss may roll back the last commits, never corrupt
  // the database — and takes the containers those commits describe with it. FULL cost ~0.2 ms
  // per commit on a quiet disk and tens of ms under write load, on the event loop (better-sqlite3
  // is synchronous): a `docker run --rm` makes about eight commits.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.exec("CREATE TABLE IF NOT EXISTS berth_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  const row = db.prepare("SELECT version FROM berth_schema WHERE component = ?").get(component) as { version: number } | undefined;
  if (row && row.version > version) {
    throw failedPrecondition(`open ${component} metadata: database schema version ${row.version} is newer than this berth's ${version}`);
  }
  db.transaction(() => {
    db.exec(ddl);
    db.prepare("INSERT INTO berth_schema (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version").run(component, version);
  })();
}
