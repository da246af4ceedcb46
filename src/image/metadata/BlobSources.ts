import { parseDigest } from "../digest.js";
import { ensureSchema, type SqliteDatabase } from "./sqlite.js";

/**
 * Where each blob is known to live in a registry (Docker's "distribution metadata",
 * v2metadata): a pull records the repository it fetched the blob from, a push the repository it
 * uploaded or mounted it to. A later push to another repository of the same registry then asks
 * the registry to mount the blob from there instead of uploading its bytes again.
 *
 * Bounded: only the most recently seen MAX_PER_DIGEST repositories are kept per digest. A row
 * may outlive its blob in the local store (it is only a hint: a push only looks up blobs it has,
 * and a registry that lost the blob answers the mount with a normal upload).
 */
export const MAX_PER_DIGEST = 5;

const SCHEMA_VERSION = 1;
const DDL = `
CREATE TABLE IF NOT EXISTS blob_sources (
  digest TEXT NOT NULL,
  registry TEXT NOT NULL,
  repository TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (digest, registry, repository)
);
`;

export class BlobSources {
  constructor(private readonly db: SqliteDatabase, private readonly now: () => number = Date.now) {
    ensureSchema(db, "blob-sources", SCHEMA_VERSION, DDL);
  }

  /** Records that `registry` ("127.0.0.1:5000", "docker.io") holds the blobs in `repository`. */
  record(registry: string, repository: string, digests: Iterable<string>): void {
    const upsert = this.db.prepare(
      "INSERT INTO blob_sources (digest, registry, repository, seen_at) VALUES (?, ?, ?, ?) ON CONFLICT(digest, registry, repository) DO UPDATE SET seen_at = excluded.seen_at",
    );
    // Keeps the newest rows of a digest (ties broken by rowid: the later insert wins).
    const prune = this.db.prepare(
      "DELETE FROM blob_sources WHERE digest = ? AND rowid NOT IN (SELECT rowid FROM blob_sources WHERE digest = ? ORDER BY seen_at DESC, rowid DESC LIMIT ?)",
    );
    const list = [...new Set(digests)];
    for (const d of list) parseDigest(d);
    const now = this.now();
    this.db.transaction(() => {
      for (const d of list) {
        upsert.run(d, registry, repository, now);
        prune.run(d, d, MAX_PER_DIGEST);
      }
    })();
  }

  /** Repositories of `registry` known to hold `digest`, most recently seen first. */
  repositories(digest: string, registry: string): string[] {
    return (this.db.prepare("SELECT repository FROM blob_sources WHERE digest = ? AND registry = ? ORDER BY seen_at DESC, rowid DESC").all(digest, registry) as Array<{ repository: string }>).map((r) => r.repository);
  }

  /** Repositories of `registry` other than `exclude` to mount `digest` from, newest first. */
  mountSources(digest: string, registry: string, exclude: string): string[] {
    return this.repositories(digest, registry).filter((r) => r !== exclude);
  }

  /** Drops one hint (a mount from there found no blob), as Docker drops stale v2metadata. */
  forgetSource(digest: string, registry: string, repository: string): void {
    this.db.prepare("DELETE FROM blob_sources WHERE digest = ? AND registry = ? AND repository = ?").run(digest, registry, repository);
  }

  /** Forgets blobs (e.g. ones garbage collection removed from the store). */
  forget(digests: Iterable<string>): void {
    const del = this.db.prepare("DELETE FROM blob_sources WHERE digest = ?");
    this.db.transaction(() => {
      for (const d of digests) del.run(d);
    })();
  }
}
