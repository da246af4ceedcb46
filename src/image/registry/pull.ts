import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import { MediaType } from "../../oci/image.js";
import type { Descriptor, ImageConfig, Index, Manifest, Platform } from "../../oci/image.js";
import type { ContentStore } from "../content/ContentStore.js";
import { parseImageConfig } from "../imageConfig.js";
import { parseManifestOrIndex } from "../manifest.js";
import { hostPlatform, selectPlatformManifest } from "../platform.js";
import type { Reference } from "../reference.js";
import { familiarName, formatReference } from "../reference.js";
import { runBounded } from "./bounded.js";
import type { ProgressListener } from "./progress.js";
import { shortId } from "./progress.js";
import type { RegistryClient } from "./RegistryClient.js";
import type { RegistryOperation } from "./registryErrors.js";
import { storeBlob } from "./storeBlob.js";

/**
 * `docker pull` below the image records: resolve the reference to a manifest (choosing the
 * platform from an index), then fetch config and layers in parallel into the content store,
 * each verified by digest, children before parents (blobs, then manifest, then index) so a
 * stored manifest always has its blobs. Recording the name and unpacking layers is the
 * ImageService's job.
 */
export const MANIFEST_ACCEPT = [MediaType.OciIndex, MediaType.OciManifest, MediaType.DockerManifestList, MediaType.DockerManifest];

export interface PullOptions {
  /** The platform to choose from an index (default: this host, linux/amd64 here). */
  platform?: Platform;
  onProgress?: ProgressListener;
  /** Blobs downloaded at once (default 3, as Docker). */
  concurrency?: number;
  /** Connections tried per blob before the pull fails (default 5); partial bytes are resumed. */
  blobAttempts?: number;
  /**
   * Called for each of the manifest's blobs (config and layers) once it is in the content store,
   * digest verified, including blobs that were there already; the config comes first. Lets a
   * caller unpack layers while later ones still download. Must not throw.
   */
  onBlobStored?: (blob: Descriptor, manifest: Manifest) => void;
}

export interface PullResult {
  /** Canonical reference pulled ("127.0.0.1:5000/app:1" or "...@sha256:..."). */
  reference: string;
  /** The digest the reference resolved to (the index's when it was an index). */
  resolvedDigest: string;
  /** The platform manifest. */
  manifestDigest: string;
  manifestDescriptor: Descriptor;
  manifest: Manifest;
  config: ImageConfig;
  index?: { digest: string; descriptor: Descriptor; index: Index };
}

export async function pullImage(client: RegistryClient, store: ContentStore, ref: Reference, opts: PullOptions = {}): Promise<PullResult> {
  const emit = opts.onProgress ?? (() => {});
  const name = familiarName(ref);
  const reference = ref.digest ?? ref.tag ?? "latest";
  const op: RegistryOperation = { op: "pull", name, reference };
  emit({ status: "Pulling from", detail: ref.path });

  const top = await client.getManifest(ref.path, reference, MANIFEST_ACCEPT, op);
  let parsed = parse(top.bytes, top.mediaType, name);
  const topDesc: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
  let manifestBytes = top.bytes;
  let manifestDesc = topDesc;
  let index: PullResult["index"];
  if (parsed.kind === "index") {
    index = { digest: top.digest, descriptor: topDesc, index: parsed.index };
    const want = opts.platform ?? hostPlatform();
    let chosen: Descriptor;
    try {
      chosen = selectPlatformManifest(parsed.index.manifests, want);
    } catch (e) {
      throw new EngineError((e as EngineError).kind ?? "NotFound", `pull ${name}: ${(e as Error).message.replace(/^select platform: /, "")}`, { cause: e });
    }
    const child = await client.getManifest(ref.path, chosen.digest, MANIFEST_ACCEPT, op);
    if (child.bytes.length !== chosen.size) throw invalidArgument(`pull ${name}: manifest ${chosen.digest}: size ${child.bytes.length} differs from the index's ${chosen.size}`);
    parsed = parse(child.bytes, chosen.mediaType, name);
    if (parsed.kind !== "manifest") throw invalidArgument(`pull ${name}: index entry ${chosen.digest} is itself an index (nested indexes are not supported)`);
    manifestBytes = child.bytes;
    manifestDesc = { ...chosen };
  }
  const manifest = (parsed as { kind: "manifest"; manifest: Manifest }).manifest;

  // Layers first in the events (Docker lists them), the config fetched alongside.
  const blobs: Descriptor[] = [...manifest.layers, manifest.config];
  const seen = new Set<string>();
  const unique = blobs.filter((b) => (seen.has(b.digest) ? false : (seen.add(b.digest), true)));
  const isLayer = (d: Descriptor) => d !== manifest.config;
  const pending: Descriptor[] = [];
  const stored = (b: Descriptor) => opts.onBlobStored?.(b, manifest);
  for (const b of unique) {
    if (await store.has(b.digest)) {
      if (isLayer(b)) emit({ id: shortId(b.digest), status: "Already exists" });
      stored(b);
    } else {
      pending.push(b);
      if (isLayer(b)) emit({ id: shortId(b.digest), status: "Pulling fs layer" });
    }
  }
  for (const b of pending) if (isLayer(b)) emit({ id: shortId(b.digest), status: "Waiting", total: b.size });
  // The config first: it is small, and a caller unpacking as layers arrive needs its diff_ids.
  const configAt = pending.findIndex((b) => !isLayer(b));
  if (configAt > 0) pending.unshift(...pending.splice(configAt, 1));
  await runBounded(pending, opts.concurrency ?? 3, async (b) => {
    const id = shortId(b.digest);
    const layer = isLayer(b);
    if (b.urls?.length && !layer) throw invalidArgument(`pull ${name}: config ${b.digest} has foreign URLs`);
    let last = 0;
    await storeBlob(client, store, ref.path, b, op, {
      onBytes: (current) => {
        // One event per ~1% (and the last byte) keeps a CLI smooth without flooding it.
        if (layer && (current - last >= Math.max(32 * 1024, b.size / 100) || current === b.size)) {
          last = current;
          emit({ id, status: "Downloading", current, total: b.size });
        }
      },
      onRetry: (offset, reason, attempt) => emit({ id, status: "Retrying", current: offset, total: b.size, detail: `attempt ${attempt + 1} from byte ${offset}: ${reason}` }),
      onResume: (offset) => layer && emit({ id, status: "Downloading", current: offset, total: b.size, detail: `resuming from byte ${offset}` }),
    }, opts.blobAttempts);
    if (layer) {
      emit({ id, status: "Verifying Checksum" });
      emit({ id, status: "Download complete" });
    }
    stored(b);
  });

  const configBytes = await store.readBlob(manifest.config.digest);
  const config = parseImageConfig(configBytes);
  const nonEmpty = manifest.layers.length;
  if (config.rootfs.diff_ids.length !== nonEmpty) {
    throw invalidArgument(`pull ${name}: config ${manifest.config.digest} lists ${config.rootfs.diff_ids.length} diff_ids for ${nonEmpty} layers`);
  }
  await store.write({ digest: manifestDesc.digest, size: manifestBytes.length }, manifestBytes);
  if (index) await store.write({ digest: index.digest, size: top.bytes.length }, top.bytes);
  emit({ status: "Digest", detail: top.digest });
  const canonical = formatReference(ref.digest ? { domain: ref.domain, path: ref.path, digest: ref.digest } : { domain: ref.domain, path: ref.path, tag: reference });
  return { reference: canonical, resolvedDigest: top.digest, manifestDigest: manifestDesc.digest, manifestDescriptor: manifestDesc, manifest, config, index };
}

function parse(bytes: Buffer, mediaType: string, name: string) {
  try {
    return parseManifestOrIndex(bytes, mediaType || undefined);
  } catch (e) {
    throw new EngineError("InvalidArgument", `pull ${name}: ${(e as Error).message}`, { cause: e });
  }
}
