import { randomBytes } from "node:crypto";
import { renameSync, rmSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument } from "../../errors/EngineError.js";
import { BackgroundDeletes } from "../../util/backgroundDeletes.js";
import { MadeAhead } from "../../util/madeAhead.js";
import type { SqliteDatabase } from "../metadata/sqlite.js";
import { SnapshotMetadata, type SnapshotRow } from "./SnapshotMetadata.js";
import type { CommitOptions, SnapshotInfo, SnapshotMount, SnapshotOptions, SnapshotUsage, Snapshotter } from "./Snapshotter.js";
import { directoryUsage } from "./usage.js";

/**
 * Overlayfs snapshots under `<root>/snapshots/<id>/{fs,work}` (id: a small integer).
 *
 * Mount data is limited to one page (4096 bytes) by mount(2). With short numeric directory names
 * 60+ layers fit as absolute paths under an ordinary root; when they would not (very deep images
 * or a long root path), the lowerdirs are given relative to `<root>/snapshots` and the Mount
 * carries `cwd` — the mounter must chdir there first (podman's `l/` short-link idea, without the
 * links). Either way a mount never gets truncated options.
 */
export const MOUNT_DATA_LIMIT = 4095;

const SPARE_PREFIX = "spare-";
/** How long after a container layer's removal the next one's directories are made. */
const SPARE_DELAY_MS = 10;
/** The label ImageService.prepareRootfs puts on a container's writable layer. */
const CONTAINER_LABEL = "berth.container";

export class OverlaySnapshotter implements Snapshotter {
  readonly dir: string;
  private readonly meta: SnapshotMetadata;
  private readonly deletes = new BackgroundDeletes();
  /**
   * A container's writable layer needs three new directories (<id>, fs/, work/), each an ext4
   * inode allocation (~0.1 ms, far more while the journal is busy) while the create request
   * waits. When a container's layer is removed (in the background, after its `docker run
   * --rm`), the next one's set is made alongside the delete as `spare-<random>`, and the next
   * container's prepare renames it into place. flushDeletes (close) waits for it and removes
   * it, cleanupOrphans (open) removes one a crash left: nothing stays behind.
   */
  private readonly spare: MadeAhead<string>;
  private readonly spareDirs: boolean;

  constructor(root: string, db: SqliteDatabase, opts: { spareDirs?: boolean } = {}) {
    this.dir = join(root, "snapshots");
    // overlay options are comma- and colon-separated; such a root could not be expressed.
    if (/[,:]/.test(this.dir)) throw invalidArgument(`open snapshotter: root ${JSON.stringify(root)} must not contain ',' or ':'`);
    this.meta = new SnapshotMetadata(db);
    // Opt-in (the daemon's engine): whoever makes spares must call flushDeletes before its
    // directory goes, or a refill still due lands in it.
    this.spareDirs = opts.spareDirs === true;
    this.spare = new MadeAhead(() => this.makeSpare(), (dir) => rm(dir, { recursive: true, force: true }), SPARE_DELAY_MS);
  }

  private fsDir(id: number): string {
    return join(this.dir, String(id), "fs");
  }

  /** Removes directories left by a crash between a metadata change and the filesystem. */
  async cleanupOrphans(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    const known = this.meta.ids();
    const removed: string[] = [];
    for (const n of await readdir(this.dir)) {
      if (/^\d+$/.test(n) && known.has(Number(n))) continue;
      await rm(join(this.dir, n), { recursive: true, force: true });
      removed.push(n);
    }
    return removed;
  }

  private async createDirs(row: SnapshotRow): Promise<void> {
    try {
      // The snapshot's directory first, then fs/ and work/ side by side: two thread-pool round
      // trips where a recursive mkdir of each chained four (it tries the leaf, gets ENOENT, and
      // climbs). The snapshots directory itself exists since cleanupOrphans; recursive only
      // covers a snapshotter used before it.
      const top = join(this.dir, String(row.id));
      await mkdir(top, { recursive: true, mode: 0o755 });
      await Promise.all([mkdir(join(top, "fs"), { recursive: true, mode: 0o755 }), row.kind === "active" ? mkdir(join(top, "work"), { recursive: true, mode: 0o700 }) : undefined]);
    } catch (e) {
      this.meta.remove(row.key);
      await rm(join(this.dir, String(row.id)), { recursive: true, force: true }).catch(() => {});
      throw e;
    }
  }

  async prepare(key: string, parent?: string, opts: SnapshotOptions = {}): Promise<SnapshotMount[]> {
    const row = this.meta.create(key, "active", parent, opts.labels ?? {});
    // Only a container's layer (ImageService labels it) uses the spare: those come one per
    // `docker run`, on the create request's path; layer extractions come in bursts.
    const container = opts.labels?.[CONTAINER_LABEL] !== undefined;
    if (!container || !this.takeSpare(row)) await this.createDirs(row);
    return this.mountsOf(row);
  }

  /** Renames the pre-made directory set to the row's id; false when there is none (or it vanished). */
  private takeSpare(row: SnapshotRow): boolean {
    const spare = this.spare.take();
    if (!spare) return false;
    try {
      // Synchronous: one rename within a directory, cheaper than a thread-pool round trip.
      renameSync(spare, join(this.dir, String(row.id)));
      return true;
    } catch {
      // Removed under us, or a directory of that id left over: make the set the usual way.
      rmSync(spare, { recursive: true, force: true });
      return false;
    }
  }

  private async makeSpare(): Promise<string | undefined> {
    const dir = join(this.dir, SPARE_PREFIX + randomBytes(6).toString("hex"));
    try {
      await mkdir(dir, { mode: 0o755 });
      await Promise.all([mkdir(join(dir, "fs"), { mode: 0o755 }), mkdir(join(dir, "work"), { mode: 0o700 })]);
    } catch {
      // Only an optimisation: the next prepare makes its directories itself.
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      return undefined;
    }
    return dir;
  }

  /** Resolves once a spare being made is ready (or given up); at once when none is being made. */
  async spareMade(): Promise<void> {
    await this.spare.made();
  }

  async view(key: string, parent?: string, opts: SnapshotOptions = {}): Promise<SnapshotMount[]> {
    const row = this.meta.create(key, "view", parent, opts.labels ?? {});
    await this.createDirs(row);
    return this.mountsOf(row);
  }

  async mounts(key: string): Promise<SnapshotMount[]> {
    const row = this.meta.mustGet(key, "snapshot mounts");
    if (row.kind === "committed") throw invalidArgument(`snapshot mounts: ${JSON.stringify(key)} is committed; make a view of it`);
    return this.mountsOf(row);
  }

  /** Mounts for `row`: a bind for a single directory, else an overlay (read-only for views). */
  private mountsOf(row: SnapshotRow): SnapshotMount[] {
    const parents = row.parent === undefined ? [] : this.meta.chain(row.parent).map((r) => r.id);
    if (row.kind === "active") {
      if (parents.length === 0) return [{ type: "bind", source: this.fsDir(row.id), options: ["rbind", "rw"] }];
      return [this.overlay(parents, row.id)];
    }
    // view: read-only, no upper dir.
    if (parents.length === 0) return [{ type: "bind", source: this.fsDir(row.id), options: ["rbind", "ro"] }];
    if (parents.length === 1) return [{ type: "bind", source: this.fsDir(parents[0]!), options: ["rbind", "ro"] }];
    return [this.overlay(parents)];
  }

  /** Read-only overlay of an arbitrary stack of snapshot dirs, top first (used for exports). */
  readOnlyMountsOf(keys: string[]): SnapshotMount[] {
    const ids = keys.map((k) => this.meta.mustGet(k, "read-only mounts").id);
    if (ids.length === 1) return [{ type: "bind", source: this.fsDir(ids[0]!), options: ["rbind", "ro"] }];
    return [this.overlay(ids)];
  }

  private overlay(lowerIds: number[], upperId?: number): SnapshotMount {
    const build = (path: (id: number) => string) => {
      const opts = ["index=off", `lowerdir=${lowerIds.map(path).join(":")}`];
      if (upperId !== undefined) opts.push(`upperdir=${path(upperId)}`, `workdir=${path(upperId).replace(/fs$/, "work")}`);
      return opts;
    };
    const absolute = build((id) => this.fsDir(id));
    if (absolute.join(",").length <= MOUNT_DATA_LIMIT) return { type: "overlay", source: "overlay", options: absolute };
    const relative = build((id) => `${id}/fs`);
    if (relative.join(",").length > MOUNT_DATA_LIMIT) {
      throw invalidArgument(`snapshot mounts: ${lowerIds.length} layers do not fit in one page of mount options`);
    }
    return { type: "overlay", source: "overlay", options: relative, cwd: this.dir };
  }

  async commit(name: string, key: string, opts: CommitOptions = {}): Promise<void> {
    const row = this.meta.commit(name, key, opts.labels, opts.parent);
    // The work dir only matters while mounted read-write; a committed layer never is.
    await rm(join(this.dir, String(row.id), "work"), { recursive: true, force: true });
  }

  async remove(key: string, opts: { deferDelete?: boolean } = {}): Promise<void> {
    const row = this.meta.remove(key);
    // Rename first so a crash mid-delete leaves an orphan cleanupOrphans recognises.
    const doomed = join(this.dir, `rm-${row.id}`);
    try {
      // Synchronous: one rename within a directory, cheaper than a thread-pool round trip on
      // the path from a `docker run --rm`'s exit to the removal it waits for.
      renameSync(join(this.dir, String(row.id)), doomed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    // Deferred: the snapshot is already gone (metadata and name); its files go in the
    // background. A failure leaves rm-<id>, which cleanupOrphans removes at the next open.
    if (opts.deferDelete) {
      this.deletes.start(doomed);
      // The next container layer's directories, made a little after this removal: made at once,
      // their inode allocations and thread-pool work landed on the end of the removal a
      // `docker run --rm` waits for.
      if (this.spareDirs && row.labels[CONTAINER_LABEL] !== undefined) this.spare.refillSoon();
    }
    else await rm(doomed, { recursive: true, force: true });
  }

  /**
   * Waits for the deletes `remove(…, { deferDelete: true })` left running, and removes the
   * directories made ahead for the next container layer (the engine calls this as it closes).
   */
  async flushDeletes(): Promise<void> {
    await this.spare.drop();
    await this.deletes.flush();
  }

  async stat(key: string): Promise<SnapshotInfo> {
    const { id: _id, ...info } = this.meta.mustGet(key, "stat snapshot");
    return info;
  }

  async list(): Promise<SnapshotInfo[]> {
    return this.meta.list().map(({ id: _id, ...info }) => info);
  }

  async usage(key: string): Promise<SnapshotUsage> {
    return directoryUsage(this.fsDir(this.meta.mustGet(key, "snapshot usage").id));
  }

  async writableDir(key: string): Promise<string> {
    const row = this.meta.mustGet(key, "snapshot writable dir");
    if (row.kind !== "active") throw invalidArgument(`snapshot writable dir: ${JSON.stringify(key)} is ${row.kind}, not active`);
    return this.fsDir(row.id);
  }

  /** Directory of a committed or active snapshot's own files (for diffs and usage). */
  async ownDir(key: string): Promise<string> {
    return this.fsDir(this.meta.mustGet(key, "snapshot dir").id);
  }
}
