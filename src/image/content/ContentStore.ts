import type { Descriptor, Digest } from "../../oci/image.js";

/**
 * Role interfaces of the content store (containerd's content.Provider / Ingester split).
 * Every implementation runs the one conformance suite (ContentStore.conformance.ts).
 */
export interface ContentInfo {
  digest: Digest;
  size: number;
  /** Creation time, ms since the epoch. */
  createdAt: number;
}

export interface ContentProvider {
  /** Info of a stored blob; throws NotFound. */
  info(digest: Digest): Promise<ContentInfo>;
  has(digest: Digest): Promise<boolean>;
  /** The whole blob (for manifests and configs); throws NotFound. */
  readBlob(digest: Digest): Promise<Buffer>;
  /** A stream of the blob from `offset`; throws NotFound. */
  openRead(digest: Digest, offset?: number): Promise<NodeJS.ReadableStream>;
  /** Absolute path of the stored blob file (read-only use). */
  blobPath(digest: Digest): string;
}

export interface ContentIngester {
  /**
   * Stores a blob: written to a temporary file, digest and size verified against `expected`,
   * fsynced, renamed into place, directory fsynced. A blob already present is success.
   * A mismatch throws InvalidArgument and stores nothing.
   */
  write(expected: Pick<Descriptor, "digest" | "size">, data: Buffer | NodeJS.ReadableStream | AsyncIterable<Uint8Array>): Promise<ContentInfo>;
  /** Stores a blob whose digest is computed while writing (e.g. a config or a fresh layer). */
  writeUnverified(data: Buffer | NodeJS.ReadableStream | AsyncIterable<Uint8Array>): Promise<ContentInfo>;
  /**
   * Opens (or resumes) a named ingest for a blob that arrives in pieces, e.g. a registry download
   * that may be interrupted: the writer reports how many bytes are already kept (`offset`), so
   * the caller can ask for a Range from there. Optional: a store without it only has `write`.
   */
  ingest?(ref: string, expected: Pick<Descriptor, "digest" | "size">): Promise<IngestWriter>;
  /** Deletes a kept partial ingest (no error if there is none). */
  abortIngest?(ref: string): Promise<void>;
  /** Partial ingests currently kept (for clean-up and progress reporting). */
  listIngests?(): Promise<IngestStatus[]>;
}

export interface IngestStatus {
  ref: string;
  expected: Pick<Descriptor, "digest" | "size">;
  /** Bytes kept so far. */
  offset: number;
  /** Last write, ms since the epoch. */
  updatedAt: number;
}

/** A resumable writer for one blob (one user at a time per ref: a second open is a Conflict). */
export interface IngestWriter {
  readonly ref: string;
  /** Bytes already written (kept from an earlier attempt, plus this one's writes). */
  readonly offset: number;
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Verifies size and digest, fsyncs, renames into the blob store, fsyncs the directory; the
   * ingest is gone afterwards. A mismatch throws InvalidArgument and discards the partial data.
   */
  commit(): Promise<ContentInfo>;
  /** Stops writing but keeps the partial data for a later `ingest(ref)` to resume. */
  close(): Promise<void>;
  /** Stops writing and deletes the partial data. */
  abort(): Promise<void>;
}

export interface ContentManager {
  list(): Promise<ContentInfo[]>;
  delete(digest: Digest): Promise<void>;
}

export type ContentStore = ContentProvider & ContentIngester & ContentManager;
