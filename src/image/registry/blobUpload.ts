import { Readable } from "node:stream";
import { EngineError, isEngineError } from "../../errors/EngineError.js";
import type { Descriptor } from "../../oci/image.js";
import type { ContentProvider } from "../content/ContentStore.js";
import type { RegistryClient, Scope } from "./RegistryClient.js";
import { headerString } from "./RegistryClient.js";
import type { RegistryOperation } from "./registryErrors.js";
import { blobStream } from "./blobStream.js";

/**
 * Uploads one blob (distribution spec "pushing blobs"): an existing blob is skipped (HEAD);
 * a blob known to live in another repository of the same registry is mounted from there;
 * otherwise an upload session is opened and the bytes sent in one PUT (small blobs) or as
 * PATCH chunks followed by a closing PUT (large ones).
 */
export type UploadOutcome = { kind: "exists" } | { kind: "mounted"; from: string } | { kind: "pushed" };

export interface UploadOptions {
  /** Repositories of this registry that may hold the blob, tried in order (at most MAX_MOUNT_ATTEMPTS). */
  mountFrom?: string | readonly string[];
  /** Called for a candidate that did not hold the blob (or could not be read), so the hint can be dropped. */
  onMountMissed?: (from: string) => void;
  /** Blobs up to this size go in one PUT (default 8 MiB). */
  monolithicMax?: number;
  /** PATCH chunk size for larger blobs (default 8 MiB). */
  chunkSize?: number;
  onBytes?: (current: number) => void;
}

export async function uploadBlob(client: RegistryClient, provider: ContentProvider, repository: string, desc: Pick<Descriptor, "digest" | "size">, op: RegistryOperation, opts: UploadOptions = {}): Promise<UploadOutcome> {
  const pushScope: Scope[] = [{ repository, actions: ["pull", "push"] }];
  if ((await client.headBlob(repository, desc.digest, op, ["pull", "push"])) !== undefined) return { kind: "exists" };

  let location: string | undefined;
  const candidates = (typeof opts.mountFrom === "string" ? [opts.mountFrom] : opts.mountFrom ?? []).filter((r) => r !== repository).slice(0, MAX_MOUNT_ATTEMPTS);
  for (const [i, from] of candidates.entries()) {
    let res;
    try {
      res = await client.request({
        method: "POST", path: `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`,
        headers: { "Content-Length": "0" }, scopes: [...pushScope, { repository: from, actions: ["pull"] }], op, what: `mount blob ${desc.digest} from ${from}`,
      });
    } catch (e) {
      // The source is only a hint (e.g. these credentials cannot read it): try the next, or upload.
      if (!isEngineError(e, "Forbidden") && !isEngineError(e, "NotFound")) throw e;
      opts.onMountMissed?.(from);
      continue;
    }
    res.body.resume();
    if (res.status === 201) return { kind: "mounted", from };
    // 202: the registry opened a normal upload instead. The last one is used; earlier ones are cancelled.
    opts.onMountMissed?.(from);
    const opened = requireLocation(res.headers.location, op, desc.digest);
    if (i === candidates.length - 1) location = opened;
    else await cancelUpload(client, opened, pushScope, op, desc.digest);
  }
  if (location === undefined) {
    const res = await client.request({ method: "POST", path: `/v2/${repository}/blobs/uploads/`, headers: { "Content-Length": "0" }, scopes: pushScope, op, what: `start upload of ${desc.digest}` });
    res.body.resume();
    location = requireLocation(res.headers.location, op, desc.digest);
  }

  const monolithicMax = opts.monolithicMax ?? 8 * 1024 * 1024;
  if (desc.size <= monolithicMax) {
    const url = withDigest(location, desc.digest, client.baseUrl);
    const res = await client.request({
      method: "PUT", path: url, headers: { "Content-Type": "application/octet-stream", "Content-Length": String(desc.size) },
      body: async () => Readable.from(await blobStream(provider, desc.digest)), scopes: pushScope, op, what: `upload blob ${desc.digest}`,
    });
    res.body.resume();
    opts.onBytes?.(desc.size);
    return { kind: "pushed" };
  }

  const chunk = opts.chunkSize ?? 8 * 1024 * 1024;
  let offset = 0;
  while (offset < desc.size) {
    const end = Math.min(desc.size, offset + chunk);
    const start = offset;
    const res = await client.request({
      method: "PATCH", path: location,
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(end - start), "Content-Range": `${start}-${end - 1}` },
      body: async () => Readable.from(limit(await blobStream(provider, desc.digest, start), end - start)),
      scopes: pushScope, op, what: `upload chunk ${start}-${end - 1} of ${desc.digest}`,
    });
    res.body.resume();
    location = requireLocation(res.headers.location, op, desc.digest);
    const range = headerString(res.headers.range);
    const m = range ? /^(?:bytes=)?0-(\d+)$/.exec(range) : null;
    if (m && Number(m[1]) !== end - 1) throw new EngineError("Unavailable", `push ${op.name}: blob ${desc.digest}: registry holds bytes ${range} after a chunk ending at ${end - 1}`);
    offset = end;
    opts.onBytes?.(offset);
  }
  const res = await client.request({ method: "PUT", path: withDigest(location, desc.digest, client.baseUrl), headers: { "Content-Length": "0" }, scopes: pushScope, op, what: `finish upload of ${desc.digest}` });
  res.body.resume();
  return { kind: "pushed" };
}

/** Docker tries this many repositories before uploading the bytes. */
export const MAX_MOUNT_ATTEMPTS = 3;

async function cancelUpload(client: RegistryClient, location: string, scopes: Scope[], op: RegistryOperation, digest: string): Promise<void> {
  // Best effort: an abandoned session is also purged by the registry after a while.
  const res = await client.request({ method: "DELETE", path: location, scopes, op, what: `cancel upload of ${digest}`, accept: [404, 405] }).catch(() => undefined);
  res?.body.resume();
}

function requireLocation(loc: string | undefined, op: RegistryOperation, digest: string): string {
  if (!loc) throw new EngineError("Unavailable", `push ${op.name}: blob ${digest}: registry sent no upload Location`);
  return loc;
}

function withDigest(location: string, digest: string, base: string): string {
  const u = new URL(location, base + "/");
  u.searchParams.set("digest", digest);
  return u.href;
}

async function* limit(src: AsyncIterable<Uint8Array>, n: number): AsyncGenerator<Uint8Array> {
  let left = n;
  for await (const c of src) {
    if (left <= 0) break;
    const piece = c.length > left ? c.subarray(0, left) : c;
    left -= piece.length;
    yield piece;
    if (left <= 0) break;
  }
}
