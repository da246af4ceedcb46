import type { ContentProvider } from "../content/ContentStore.js";
import { Digester } from "../digest.js";
import { blobStream } from "../registry/blobStream.js";
import { decompressed, sniffCompression, type Compression } from "./compression.js";

/** At least the first `bytes` bytes of a stored blob (all of it when shorter), read without the rest. */
export async function blobHead(store: ContentProvider, digest: string, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of await blobStream(store, digest)) {
    parts.push(Buffer.from(c));
    n += c.length;
    if (n >= bytes) break; // leaving the loop closes the stream
  }
  return Buffer.concat(parts);
}

/** Compression of a stored blob, by its first bytes. */
export async function blobCompression(store: ContentProvider, digest: string): Promise<Compression> {
  return sniffCompression(await blobHead(store, digest, 6));
}

/** The uncompressed digest (diff_id) of a stored layer blob. */
export async function diffIdOf(store: ContentProvider, digest: string): Promise<string> {
  const d = new Digester();
  for await (const c of await decompressed(await blobStream(store, digest), `layer ${digest}`)) d.update(c);
  return d.digest();
}
