import type { ContentProvider } from "../content/ContentStore.js";
import { Digester } from "../digest.js";
import { decompressed, peek, sniffCompression, type Compression } from "./compression.js";

/** Compression of a stored blob, by its first bytes. */
export async function blobCompression(store: ContentProvider, digest: string): Promise<Compression> {
  const { head } = await peek((await store.openRead(digest)) as AsyncIterable<Uint8Array>, 6);
  return sniffCompression(head);
}

/** The uncompressed digest (diff_id) of a stored layer blob. */
export async function diffIdOf(store: ContentProvider, digest: string): Promise<string> {
  const d = new Digester();
  for await (const c of await decompressed((await store.openRead(digest)) as AsyncIterable<Uint8Array>, `layer ${digest}`)) d.update(c);
  return d.digest();
}
