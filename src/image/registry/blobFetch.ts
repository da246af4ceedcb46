import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import type { Descriptor } from "../../oci/image.js";
import type { RegistryClient } from "./RegistryClient.js";
import { delay, headerString } from "./RegistryClient.js";
import { isTransientNetworkError } from "./httpTransport.js";
import type { RegistryOperation } from "./registryErrors.js";

/**
 * The bytes of one blob as a single stream, surviving dropped connections: when the transfer
 * breaks after N bytes it asks again with `Range: bytes=N-` and continues (a registry that
 * answers 200 instead of 206 is read from the start and the first N bytes skipped). The
 * content store verifies size and digest of the whole, so a resumed stream is as safe as a
 * fresh one. Attempts are bounded; each retry is reported through `onRetry`.
 */
export interface BlobFetchHooks {
  onBytes?: (current: number) => void;
  onRetry?: (offset: number, reason: string, attempt: number) => void;
}

export async function* fetchBlob(client: RegistryClient, repository: string, desc: Pick<Descriptor, "digest" | "size">, op: RegistryOperation, hooks: BlobFetchHooks = {}, startOffset = 0, maxAttempts: number | undefined = 5, retryDelayMs = 200): AsyncGenerator<Buffer> {
  maxAttempts ??= 5;
  let offset = startOffset;
  if (offset >= desc.size) return;
  for (let attempt = 1; ; attempt++) {
    const res = await client.openBlob(repository, desc.digest, offset, op);
    let skip = 0;
    if (offset > 0) {
      if (res.status === 206) {
        const range = headerString(res.headers["content-range"]) ?? "";
        const m = /^bytes (\d+)-/.exec(range);
        if (!m || Number(m[1]) !== offset) {
          res.body.destroy();
          throw new EngineError("Unavailable", `pull ${op.name}: blob ${desc.digest}: registry answered range ${JSON.stringify(range)} to a request from byte ${offset}`);
        }
      } else {
        skip = offset; // the registry ignored Range: discard what we already have
      }
    }
    try {
      for await (const raw of res.body) {
        let chunk = raw as Buffer;
        if (skip > 0) {
          const drop = Math.min(skip, chunk.length);
          skip -= drop;
          chunk = chunk.subarray(drop);
          if (chunk.length === 0) continue;
        }
        offset += chunk.length;
        if (offset > desc.size) throw invalidArgument(`pull ${op.name}: blob ${desc.digest}: registry sent more than the ${desc.size} bytes the descriptor declares`);
        hooks.onBytes?.(offset);
        yield chunk;
      }
      if (offset < desc.size) throw Object.assign(new Error(`connection closed after ${offset} of ${desc.size} bytes`), { code: "ECONNRESET" });
      return;
    } catch (e) {
      if (!isTransientNetworkError(e) || attempt >= maxAttempts) {
        if (e instanceof EngineError) throw e;
        throw new EngineError("Unavailable", `pull ${op.name}: blob ${desc.digest}: download failed after ${attempt} attempt(s) at byte ${offset}: ${(e as Error).message}`, { cause: e });
      }
      hooks.onRetry?.(offset, (e as Error).message, attempt);
      await delay(retryDelayMs * attempt);
    } finally {
      res.body.destroy();
    }
  }
}
