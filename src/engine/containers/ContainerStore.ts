import { conflict, invalidArgument, notFound } from "../../errors/EngineError.js";
import { ensureSchema, type SqliteDatabase, type SqliteStatement } from "../../image/metadata/sqlite.js";
import type { ContainerRecord } from "./ContainerRecord.js";

const SCHEMA_VERSION = 1;
const DDL = `
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created TEXT NOT NULL,
  record TEXT NOT NULL
);`;

/**
 * The daemon's container records: SQLite table `containers` (id, name UNIQUE, the record as
 * JSON), mirrored in memory because the daemon that holds the data root's lock is the only
 * writer. Every change is written through before it is visible in memory, so a crash loses
 * nothing committed. Lookup follows Docker: full id, then name, then unique id prefix.
 */
export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly idByName = new Map<string, string>();
  /** The name each id is indexed under: callers mutate the record in place (rename), so the
   * record itself cannot tell save() which name to release. */
  private readonly indexedName = new Map<string, string>();
  private readonly upsert: SqliteStatement;
  private readonly del: SqliteStatement;

  constructor(private readonly db: SqliteDatabase) {
    ensureSchema(db, "containers", SCHEMA_VERSION, DDL);
    this.upsert = db.prepare(
      "INSERT INTO containers (id, name, created, record) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, record = excluded.record",
    );
    this.del = db.prepare("DELETE FROM containers WHERE id = ?");
    for (const row of db.prepare("SELECT record FROM containers ORDER BY created").all() as { record: string }[]) {
      const rec = JSON.parse(row.record) as ContainerRecord;
      this.byId.set(rec.id, rec);
      this.idByName.set(rec.name, rec.id);
      this.indexedName.set(rec.id, rec.name);
    }
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  nameTaken(name: string): boolean {
    return this.idByName.has(name);
  }

  /** Docker's message for a name in use (moby daemon/names.go). */
  nameConflict(name: string): Error {
    const owner = this.idByName.get(name) ?? "";
    return conflict(`Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
  }

  /** Adds a new record; Conflict when the name is taken. */
  insert(rec: ContainerRecord): void {
    if (this.idByName.has(rec.name)) throw this.nameConflict(rec.name);
    try {
      this.upsert.run(rec.id, rec.name, rec.created, JSON.stringify(rec));
    } catch (e) {
      if (String((e as Error).message).includes("UNIQUE")) throw this.nameConflict(rec.name);
      throw e;
    }
    this.byId.set(rec.id, rec);
    this.idByName.set(rec.name, rec.id);
    this.indexedName.set(rec.id, rec.name);
  }

  /** Writes the (mutated) record back; a changed name releases the old one. */
  save(rec: ContainerRecord): void {
    const oldName = this.indexedName.get(rec.id);
    const renamed = oldName !== undefined && oldName !== rec.name;
    if (renamed && this.idByName.has(rec.name)) throw this.nameConflict(rec.name);
    this.upsert.run(rec.id, rec.name, rec.created, JSON.stringify(rec));
    if (renamed && this.idByName.get(oldName) === rec.id) this.idByName.delete(oldName);
    this.byId.set(rec.id, rec);
    this.idByName.set(rec.name, rec.id);
    this.indexedName.set(rec.id, rec.name);
  }

  delete(id: string): void {
    const rec = this.byId.get(id);
    this.del.run(id);
    if (!rec) return;
    this.byId.delete(id);
    const name = this.indexedName.get(id) ?? rec.name;
    this.indexedName.delete(id);
    if (this.idByName.get(name) === id) this.idByName.delete(name);
  }

  /** Full id, name (with or without "/"), or unique id prefix. */
  get(input: string): ContainerRecord {
    const r = this.find(input);
    if (!r) throw notFound(`No such container: ${input}`);
    return r;
  }

  find(input: string): ContainerRecord | undefined {
    if (input === "") return undefined;
    const full = this.byId.get(input);
    if (full) return full;
    const name = input.startsWith("/") ? input.slice(1) : input;
    const named = this.idByName.get(name);
    if (named) return this.byId.get(named);
    if (!/^[0-9a-f]+$/.test(input)) return undefined;
    let found: ContainerRecord | undefined;
    for (const [id, rec] of this.byId) {
      if (!id.startsWith(input)) continue;
      if (found) throw invalidArgument(`multiple IDs found with provided prefix: ${input}`);
      found = rec;
    }
    return found;
  }
}
