import type { Mount } from "../../oci/image.js";

/**
 * The snapshotter role (containerd's snapshots.Snapshotter, trimmed): snapshots form a tree by
 * `parent`; `prepare` makes a writable (active) snapshot, `view` a read-only one, `commit` turns
 * an active snapshot into an immutable committed one under a name (berth names image layers by
 * ChainID). Methods return Mount descriptors and never mount anything themselves.
 */
export type SnapshotKind = "active" | "view" | "committed";

export interface SnapshotInfo {
  key: string;
  kind: SnapshotKind;
  /** Key of the parent committed snapshot, if any. */
  parent?: string;
  createdAt: number;
  labels: Record<string, string>;
}

export interface SnapshotUsage {
  /** Bytes allocated on disk by this snapshot's own directory (not its parents). */
  size: number;
  inodes: number;
}

/**
 * A Mount that may carry relative paths in its options (overlay lowerdirs of very deep images,
 * to fit the kernel's one-page limit on mount data). Whoever mounts it must do so with `cwd` as
 * the working directory; mountAll does. Without `cwd` every path is absolute.
 */
export interface SnapshotMount extends Mount {
  cwd?: string;
}

export interface SnapshotOptions {
  labels?: Record<string, string>;
}

export interface CommitOptions extends SnapshotOptions {
  /**
   * For an active snapshot prepared without a parent: the committed snapshot it goes on top of.
   * Lets layers be applied in parallel, each into its own snapshot, and stacked in order at
   * commit. FailedPrecondition if the snapshot already has another parent or `parent` is not
   * committed.
   */
  parent?: string;
}

export interface Snapshotter {
  /** A new writable snapshot on top of committed `parent` (or empty). AlreadyExists if `key` is taken. */
  prepare(key: string, parent?: string, opts?: SnapshotOptions): Promise<SnapshotMount[]>;
  /** A new read-only snapshot of committed `parent`. */
  view(key: string, parent?: string, opts?: SnapshotOptions): Promise<SnapshotMount[]>;
  /** The mounts of an existing active or view snapshot. */
  mounts(key: string): Promise<SnapshotMount[]>;
  /** Turns active `key` into committed `name`. AlreadyExists if `name` is taken. */
  commit(name: string, key: string, opts?: CommitOptions): Promise<void>;
  /**
   * Removes a snapshot; FailedPrecondition while it has children. With `deferDelete` it returns
   * once the snapshot is gone by name, its files deleted in the background (flushDeletes).
   */
  remove(key: string, opts?: { deferDelete?: boolean }): Promise<void>;
  /** Waits for deferred deletes to finish. */
  flushDeletes(): Promise<void>;
  stat(key: string): Promise<SnapshotInfo>;
  list(): Promise<SnapshotInfo[]>;
  usage(key: string): Promise<SnapshotUsage>;
  /**
   * The directory that receives the writes of an active snapshot (overlay: its upper dir), so a
   * layer can be applied straight into it without mounting (containerd's overlay apply path).
   */
  writableDir(key: string): Promise<string>;
}
