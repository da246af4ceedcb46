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
}

export interface ContentManager {
  list(): Promise<ContentInfo[]>;
  delete(digest: Digest): Promise<void>;
}

export type ContentStore = ContentProvider & ContentIngester & ContentManager;
