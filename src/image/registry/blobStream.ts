import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ContentProvider } from "../content/ContentStore.js";

/**
 * A read stream of a stored blob from `offset`. Reads the blob file by path when the provider
 * has one on disk, and only otherwise calls `openRead`: FsContentStore.openRead (b2c9a1d) hands
 * its descriptor to a stream with autoClose and then closes the FileHandle again, so the second
 * close can hit a descriptor number reused meanwhile (seen as EBADF in concurrent pushes).
 * Remove this detour once openRead owns its descriptor once.
 */
export async function blobStream(provider: ContentProvider, digest: string, offset = 0): Promise<AsyncIterable<Uint8Array>> {
  let path: string | undefined;
  try {
    path = provider.blobPath(digest);
    await stat(path);
  } catch {
    path = undefined;
  }
  if (path) return createReadStream(path, { start: offset });
  return (await provider.openRead(digest, offset)) as AsyncIterable<Uint8Array>;
}
