import { conflict, invalidArgument, notFound } from "../../errors/EngineError.js";
import type { Digest, Platform } from "../../oci/image.js";
import { parseDigest } from "../digest.js";
import { BlobSources } from "./BlobSources.js";
import { ensureSchema, statementCache, type SqliteDatabase, type SqliteStatement } from "./sqlite.js";

/**
 * Image records: what berth knows about each image (keyed by its ID, the config digest, as in
 * Docker) and the names pointing at it. Names are canonical reference strings
 * (`docker.io/library/busybox:latest`, `…@sha256:…`); the caller normalizes them.
 */
export interface ImageRecordInput {
  id: Digest;
  manifestDigest: Digest;
  manifestMediaType: string;
  /** Image creation time from the config (RFC 3339), or "" when the config has none. */
  created: string;
  /** Sum of the compressed layer sizes, config and manifest (bytes on disk in the store). */
  contentSize: number;
  platform: Platform;
  /** ChainID of the top layer; undefined for an image with no layers. */
  chainId?: Digest;
}

export interface ImageRecord extends ImageRecordInput {
  /** When berth first stored this image, ms since the epoch. */
  addedAt: number;
  /** Sum of the unpacked layer sizes, once unpacked (Docker's `Size`). */
  unpackedSize?: number;
  names: string[];
}

export interface ImageUser {
  containerId: string;
  imageId: Digest;
  snapshotKey: string;
}

const SCHEMA_VERSION = 1;
const DDL = `
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY,
  manifest_digest TEXT NOT NULL,
  manifest_media_type TEXT NOT NULL,
  created TEXT NOT NULL,
  content_size INTEGER NOT NULL,
  unpacked_size INTEGER,
  os TEXT NOT NULL,
  architecture TEXT NOT NULL,
  variant TEXT,
  chain_id TEXT,
  added_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS image_names (
  name TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  added_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS image_names_by_image ON image_names(image_id);
CREATE TABLE IF NOT EXISTS image_users (
  container_id TEXT PRIMARY KEY,
  image_id TEXT NOT NULL,
  snapshot_key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS image_users_by_image ON image_users(image_id);
`;

interface Row {
  id: string;
  manifest_digest: string;
  manifest_media_type: string;
  created: string;
  content_size: number;
  unpacked_size: number | null;
  os: string;
  architecture: string;
  variant: string | null;
  chain_id: string | null;
  added_at: number;
}

export class ImageRecords {
  /** Which registry repositories hold which blobs (for cross-repository mounts on push). */
  readonly blobSources: BlobSources;

  /** Prepared statements, compiled once: every container create and start resolves its image by name and id. */
  private readonly stmt: (sql: string) => SqliteStatement;

  constructor(private readonly db: SqliteDatabase, private readonly now: () => number = Date.now) {
    ensureSchema(db, "image", SCHEMA_VERSION, DDL);
    this.blobSources = new BlobSources(db, now);
    this.stmt = statementCache(db);
  }

  private toRecord(r: Row): ImageRecord {
    const platform: Platform = { os: r.os, architecture: r.architecture };
    if (r.variant) platform.variant = r.variant;
    const rec: ImageRecord = {
      id: r.id,
      manifestDigest: r.manifest_digest,
      manifestMediaType: r.manifest_media_type,
      created: r.created,
      contentSize: r.content_size,
      platform,
      addedAt: r.added_at,
      names: this.names(r.id),
    };
    if (r.chain_id) rec.chainId = r.chain_id;
    if (r.unpacked_size !== null) rec.unpackedSize = r.unpacked_size;
    return rec;
  }

  /** Inserts or updates an image (a re-pull keeps its addedAt and names). */
  put(input: ImageRecordInput): ImageRecord {
    parseDigest(input.id);
    parseDigest(input.manifestDigest);
    this.stmt(
      `INSERT INTO images (id, manifest_digest, manifest_media_type, created, content_size, os, architecture, variant, chain_id, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET manifest_digest = excluded.manifest_digest, manifest_media_type = excluded.manifest_media_type,
         created = excluded.created, content_size = excluded.content_size, os = excluded.os, architecture = excluded.architecture,
         variant = excluded.variant, chain_id = excluded.chain_id`,
    ).run(input.id, input.manifestDigest, input.manifestMediaType, input.created, input.contentSize, input.platform.os, input.platform.architecture, input.platform.variant ?? null, input.chainId ?? null, this.now());
    return this.get(input.id)!;
  }

  setUnpackedSize(id: Digest, size: number): void {
    this.stmt("UPDATE images SET unpacked_size = ? WHERE id = ?").run(size, id);
  }

  get(id: Digest): ImageRecord | undefined {
    const r = this.stmt("SELECT * FROM images WHERE id = ?").get(id) as Row | undefined;
    return r ? this.toRecord(r) : undefined;
  }

  list(): ImageRecord[] {
    return (this.stmt("SELECT * FROM images ORDER BY added_at, id").all() as Row[]).map((r) => this.toRecord(r));
  }

  names(id: Digest): string[] {
    return (this.stmt("SELECT name FROM image_names WHERE image_id = ? ORDER BY added_at, name").all(id) as Array<{ name: string }>).map((r) => r.name);
  }

  /**
   * Points `name` at image `id` (moving it from another image if needed, like `docker tag`).
   * Returns the image the name pointed at before, if it was a different one.
   */
  setName(name: string, id: Digest): Digest | undefined {
    return this.db.transaction(() => {
      if (!this.get(id)) throw notFound(`tag image: No such image: ${id}`);
      const prev = this.stmt("SELECT image_id FROM image_names WHERE name = ?").get(name) as { image_id: string } | undefined;
      if (prev?.image_id === id) return undefined;
      this.stmt("INSERT INTO image_names (name, image_id, added_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, added_at = excluded.added_at").run(name, id, this.now());
      return prev?.image_id;
    })();
  }

  /** Removes a name; returns the image it pointed at, or undefined if it did not exist. */
  removeName(name: string): Digest | undefined {
    return this.db.transaction(() => {
      const prev = this.stmt("SELECT image_id FROM image_names WHERE name = ?").get(name) as { image_id: string } | undefined;
      if (prev) this.stmt("DELETE FROM image_names WHERE name = ?").run(name);
      return prev?.image_id;
    })();
  }

  byName(name: string): ImageRecord | undefined {
    const r = this.stmt("SELECT image_id FROM image_names WHERE name = ?").get(name) as { image_id: string } | undefined;
    return r ? this.get(r.image_id) : undefined;
  }

  /**
   * Finds an image by full ID (`sha256:…`), bare hex ID, or a unique prefix of the hex (Docker
   * accepts any length). Ambiguous prefixes are InvalidArgument with Docker's words.
   */
  byIdPrefix(prefix: string): ImageRecord | undefined {
    let hex = prefix;
    if (prefix.startsWith("sha256:")) hex = prefix.slice(7);
    if (!/^[0-9a-f]{1,64}$/.test(hex)) return undefined;
    const rows = this.stmt("SELECT * FROM images WHERE id >= ? AND id < ? ORDER BY id LIMIT 2").all(`sha256:${hex}`, `sha256:${hex}\uffff`) as Row[];
    if (rows.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${prefix}`);
    return rows[0] ? this.toRecord(rows[0]) : undefined;
  }

  /** Images with no name at all (Docker's dangling `<none>:<none>`). */
  dangling(): ImageRecord[] {
    return (this.stmt("SELECT * FROM images WHERE id NOT IN (SELECT image_id FROM image_names) ORDER BY added_at, id").all() as Row[]).map((r) => this.toRecord(r));
  }

  /** Deletes the record and its names. Refuses while a container uses the image. */
  remove(id: Digest): void {
    this.db.transaction(() => {
      const users = this.users(id);
      if (users.length > 0) throw conflict(`remove image record ${id}: in use by container ${users[0]!.containerId}`);
      this.stmt("DELETE FROM image_names WHERE image_id = ?").run(id);
      this.stmt("DELETE FROM images WHERE id = ?").run(id);
    })();
  }

  addUser(u: ImageUser): void {
    this.stmt("INSERT INTO image_users (container_id, image_id, snapshot_key) VALUES (?, ?, ?)").run(u.containerId, u.imageId, u.snapshotKey);
  }

  removeUser(containerId: string): ImageUser | undefined {
    const u = this.user(containerId);
    if (u) this.stmt("DELETE FROM image_users WHERE container_id = ?").run(containerId);
    return u;
  }

  user(containerId: string): ImageUser | undefined {
    const r = this.stmt("SELECT * FROM image_users WHERE container_id = ?").get(containerId) as { container_id: string; image_id: string; snapshot_key: string } | undefined;
    return r ? { containerId: r.container_id, imageId: r.image_id, snapshotKey: r.snapshot_key } : undefined;
  }

  users(imageId?: Digest): ImageUser[] {
    const rows = (imageId === undefined ? this.stmt("SELECT * FROM image_users ORDER BY container_id").all() : this.stmt("SELECT * FROM image_users WHERE image_id = ? ORDER BY container_id").all(imageId)) as Array<{ container_id: string; image_id: string; snapshot_key: string }>;
    return rows.map((r) => ({ containerId: r.container_id, imageId: r.image_id, snapshotKey: r.snapshot_key }));
  }
}
