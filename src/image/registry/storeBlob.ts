import { EngineError, isEngineError } from "../../errors/EngineError.js";
import type { Descriptor } from "../../oci/image.js";
import type { ContentStore } from "../content/ContentStore.js";
import type { BlobFetchHooks } from "./blobFetch.js";
import { fetchBlob } from "./blobFetch.js";
import type { RegistryClient } from "./RegistryClient.js";
import type { RegistryOperation } from "./registryErrors.js";

/**
 * Downloads one blob into the content store. With a store that keeps resumable ingests, the
 * partial bytes of an interrupted pull survive (keyed by digest) and the next
 * attempt asks the registry only for the rest; a digest mismatch discards them. Without
 * ingests, `write` streams into a temporary file that the store deletes on any failure.
 */
export async function storeBlob(client: RegistryClient, store: ContentStore, repository: string, desc: Pick<Descriptor, "digest" | "size">, op: RegistryOperation, hooks: BlobFetchHooks & { onResume?: (offset: number) => void } = {}, attempts?: number): Promise<void> {
  if (store.ingest) {
    // Keyed by digest alone: the bytes are the same whichever repository or registry serves them,
    // so a partial download of this blob from anywhere can be resumed.
    const ref = `pull:${desc.digest}`;
    let writer;
    try {
      writer = await store.ingest(ref, desc);
    } catch (e) {
      if (!isEngineError(e, "Conflict")) throw e;
      writer = undefined; // another pull is downloading it right now: fetch our own copy
    }
    if (writer) {
      if (writer.offset > 0) hooks.onResume?.(writer.offset);
      try {
        for await (const chunk of fetchBlob(client, repository, desc, op, hooks, writer.offset, attempts)) await writer.write(chunk);
      } catch (e) {
        // Keep what arrived for a later attempt, unless the bytes themselves were wrong.
        if (isEngineError(e, "InvalidArgument")) await writer.abort().catch(() => {});
        else await writer.close().catch(() => {});
        throw e;
      }
      try {
        await writer.commit();
      } catch (e) {
        throw mismatch(e, op, desc);
      }
      return;
    }
  }
  try {
    await store.write(desc, fetchBlob(client, repository, desc, op, hooks, 0, attempts));
  } catch (e) {
    throw mismatch(e, op, desc);
  }
}

function mismatch(e: unknown, op: RegistryOperation, desc: Pick<Descriptor, "digest">): unknown {
  if (isEngineError(e, "InvalidArgument")) return new EngineError("InvalidArgument", `${op.op} ${op.name}: blob ${desc.digest}: ${e.message}`, { cause: e });
  return e;
}
