import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { conflict, EngineError, invalidArgument, notFound } from "../../errors/EngineError.js";
import { ensureSchema, type SqliteDatabase } from "../../image/metadata/sqlite.js";

const SCHEMA_VERSION = 1;
const DDL = `
CREATE TABLE IF NOT EXISTS volumes (
  name TEXT PRIMARY KEY,
  created TEXT NOT NULL,
  labels TEXT NOT NULL,
  anonymous INTEGER NOT NULL
);`;

/** moby's volume name rule (volume/local: validName). */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface VolumeInfo {
  name: string;
  /** RFC 3339 (seconds), as Docker shows CreatedAt. */
  createdAt: string;
  labels: Record<string, string>;
  /** Created for a container without a name (image VOLUME, `-v /path`, --mount without src). */
  anonymous: boolean;
  /** <root>/<name>/_data: what containers bind-mount. */
  mountpoint: string;
}

export interface VolumeStoreOptions {
  db: SqliteDatabase;
  /** <dataRoot>/volumes */
  root: string;
  /** Ids of the containers that reference the volume (the reference count is its length). */
  users: (name: string) => string[];
}

interface Row { name: string; created: string; labels: string; anonymous: number }

const pexec = promisify(execFile);

/**
 * Named volumes of the "local" driver: a record per volume in SQLite (table `volumes`) and a
 * directory <root>/<name>/_data that containers bind-mount. Which containers use a volume is not
 * stored here but asked of the container records (one source of truth), so a removed container
 * can never leave a stale reference behind.
 */
export class VolumeStore {
  readonly root: string;
  private readonly db: SqliteDatabase;
  private readonly users: (name: string) => string[];
  /** Creates whose directories are being made: a second create of the name waits for them. */
  private readonly creating = new Map<string, Promise<VolumeInfo>>();
  /** Volumes held by container creates in progress (not recorded yet): name → container ids. */
  private readonly claims = new Map<string, Set<string>>();

  constructor(opts: VolumeStoreOptions) {
    ensureSchema(opts.db, "volumes", SCHEMA_VERSION, DDL);
    this.db = opts.db;
    this.root = opts.root;
    this.users = opts.users;
  }

  mountpoint(name: string): string {
    return join(this.root, name, "_data");
  }

  list(): VolumeInfo[] {
    const rows = this.db.prepare("SELECT name, created, labels, anonymous FROM volumes ORDER BY name").all() as Row[];
    return rows.map((r) => this.info(r));
  }

  find(name: string): VolumeInfo | undefined {
    const r = this.db.prepare("SELECT name, created, labels, anonymous FROM volumes WHERE name = ?").get(name) as Row | undefined;
    return r ? this.info(r) : undefined;
  }

  get(name: string): VolumeInfo {
    const v = this.find(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  /** The containers that reference the volume, including creates in progress (claims). */
  usedBy(name: string): string[] {
    const ids = new Set(this.users(name));
    for (const id of this.claims.get(name) ?? []) ids.add(id);
    return [...ids];
  }

  /**
   * A container being created holds the volume from now on, so a concurrent prune or rm cannot
   * take it between its creation and the container's record; release() once the record exists
   * (it then holds the reference) or the create failed.
   */
  claim(name: string, containerId: string): void {
    let ids = this.claims.get(name);
    if (!ids) this.claims.set(name, (ids = new Set()));
    ids.add(containerId);
  }

  release(containerId: string): void {
    for (const [name, ids] of this.claims) {
      ids.delete(containerId);
      if (ids.size === 0) this.claims.delete(name);
    }
  }

  /**
   * Creates the volume, or returns the existing one of that name (Docker's create is idempotent
   * for the local driver). `name` undefined makes an anonymous volume with a 64-hex name.
   * `claimBy` claims it for that container before anything can remove it (see claim()).
   */
  async create(opts: { name?: string; labels?: Record<string, string>; driver?: string; driverOpts?: Record<string, string>; claimBy?: string }): Promise<VolumeInfo> {
    if (opts.driver && opts.driver !== "local") throw notFound(`create ${opts.name ?? ""}: error looking up volume plugin ${opts.driver}: plugin "${opts.driver}" not found`);
    const given = Object.keys(opts.driverOpts ?? {});
    if (given.length > 0) throw new EngineError("NotImplemented", `create ${opts.name ?? ""}: driver options are not implemented in berth yet (${given.join(", ")})`);
    const anonymous = !opts.name;
    const name = opts.name || randomBytes(32).toString("hex");
    if (!VOLUME_NAME.test(name)) {
      throw invalidArgument(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    const existing = this.find(name);
    if (opts.claimBy) this.claim(name, opts.claimBy);
    if (existing) return (await this.creating.get(name)) ?? existing;
    // The record goes in first (synchronously, so a concurrent create of the same name finds it
    // and waits for this one); a directory without a record is what a crash left: it goes.
    const created = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    this.db.prepare("INSERT INTO volumes (name, created, labels, anonymous) VALUES (?, ?, ?, ?)").run(name, created, JSON.stringify(opts.labels ?? {}), anonymous ? 1 : 0);
    const making = (async () => {
      try {
        await mkdir(this.root, { recursive: true, mode: 0o701 });
        await rm(join(this.root, name), { recursive: true, force: true });
        await mkdir(join(this.root, name), { mode: 0o701 });
        await mkdir(this.mountpoint(name), { mode: 0o755 });
        return this.get(name);
      } catch (e) {
        this.db.prepare("DELETE FROM volumes WHERE name = ?").run(name);
        await rm(join(this.root, name), { recursive: true, force: true }).catch(() => {});
        throw e;
      } finally {
        this.creating.delete(name);
      }
    })();
    this.creating.set(name, making);
    return making;
  }

  /** Refuses a volume in use (Docker's words); `force` only forgives a missing volume. */
  async remove(name: string, opts: { force: boolean }): Promise<void> {
    // A volume still being made is removed (if at all) once it is complete.
    await this.creating.get(name)?.catch(() => {});
    const v = this.find(name);
    if (!v) {
      if (opts.force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.usedBy(name);
    if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(", ")}]`);
    // The record goes first: a half-removed directory is then only garbage, never a volume.
    this.db.prepare("DELETE FROM volumes WHERE name = ?").run(name);
    await rm(join(this.root, name), { recursive: true, force: true });
  }

  /** Bytes under the volume's data directory (du), for `docker system df -v` and UsageData. */
  async size(name: string): Promise<number> {
    try {
      const { stdout } = await pexec("du", ["-s", "-B1", "-x", this.mountpoint(name)]);
      return Number(stdout.split(/\s/)[0]) || 0;
    } catch {
      return -1;
    }
  }

  /** True when the data directory holds nothing (copy-up happens only then). */
  async isEmpty(name: string): Promise<boolean> {
    return (await readdir(this.mountpoint(name))).length === 0;
  }

  private info(r: Row): VolumeInfo {
    return { name: r.name, createdAt: r.created, labels: JSON.parse(r.labels) as Record<string, string>, anonymous: r.anonymous === 1, mountpoint: this.mountpoint(r.name) };
  }
}
