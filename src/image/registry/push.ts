import { invalidArgument } from "../../errors/EngineError.js";
import type { Descriptor, Index, Manifest } from "../../oci/image.js";
import type { ContentProvider } from "../content/ContentStore.js";
import { parseManifestOrIndex } from "../manifest.js";
import type { Reference } from "../reference.js";
import { familiarName } from "../reference.js";
import { uploadBlob } from "./blobUpload.js";
import { runBounded } from "./bounded.js";
import type { ProgressListener } from "./progress.js";
import { shortId } from "./progress.js";
import type { RegistryClient } from "./RegistryClient.js";
import type { RegistryOperation } from "./registryErrors.js";

/**
 * `docker push` from the content store: the blobs of the manifest (or of every manifest of an
 * index whose children are all present), then the manifests by digest, then the top one by tag.
 * Bytes are pushed exactly as stored, so the digest at the registry equals the local one.
 */
export interface PushOptions {
  onProgress?: ProgressListener;
  concurrency?: number;
  /**
   * digest → repository of the same registry the blob is known to live in: mounted from there,
   * not uploaded (a map, or a lookup such as BlobSources.mountSource).
   */
  mountFrom?: ReadonlyMap<string, string> | Record<string, string> | ((digest: string) => string | readonly string[] | undefined);
  /** A mount candidate that did not hold the blob (see UploadOptions.onMountMissed). */
  onMountMissed?: (digest: string, from: string) => void;
  monolithicMax?: number;
  chunkSize?: number;
}

export interface PushResult {
  /** Descriptor of what the tag now points to. */
  descriptor: Descriptor;
  /** Digests of the configs and layers now in the repository (pushed, mounted or already there). */
  blobs: string[];
}

export async function pushImage(client: RegistryClient, provider: ContentProvider, ref: Reference, top: Descriptor, opts: PushOptions = {}): Promise<PushResult> {
  const emit = opts.onProgress ?? (() => {});
  const name = familiarName(ref);
  const op: RegistryOperation = { op: "push", name };
  const tag = ref.tag ?? "latest";
  emit({ status: "The push refers to repository", detail: `[${name}]` });
  const m = opts.mountFrom;
  const mountFrom: (digest: string) => string | readonly string[] | undefined =
    typeof m === "function" ? m : m instanceof Map ? (d) => m.get(d) : ((rec) => (d: string) => rec.get(d))(new Map(Object.entries(m ?? {})));

  const topBytes = await provider.readBlob(top.digest);
  const parsed = parseManifestOrIndex(topBytes, top.mediaType);
  const manifests: { desc: Descriptor; bytes: Buffer; manifest: Manifest }[] = [];
  if (parsed.kind === "index") {
    for (const child of (parsed.index as Index).manifests) {
      const bytes = await provider.readBlob(child.digest).catch((e) => {
        throw invalidArgument(`push ${name}: index ${top.digest} lists ${child.digest}, which is not in the local store (a partial multi-platform image cannot be pushed as an index)`, { cause: e });
      });
      const p = parseManifestOrIndex(bytes, child.mediaType);
      if (p.kind !== "manifest") throw invalidArgument(`push ${name}: nested index ${child.digest} is not supported`);
      manifests.push({ desc: child, bytes, manifest: p.manifest });
    }
  } else {
    manifests.push({ desc: top, bytes: topBytes, manifest: parsed.manifest });
  }

  const blobs = new Map<string, Descriptor>();
  for (const m of manifests) for (const b of [...m.manifest.layers, m.manifest.config]) blobs.set(b.digest, b);
  const list = [...blobs.values()];
  // Docker draws a progress line per layer only; configs are uploaded without one.
  const configs = new Set(manifests.map((m) => m.manifest.config.digest));
  const layers = list.filter((b) => !configs.has(b.digest));
  const diffIds = await layerDiffIds(provider, manifests.map((m) => m.manifest));
  const lineId = (b: Descriptor) => shortId(diffIds.get(b.digest) ?? b.digest);
  for (const b of layers) emit({ id: lineId(b), status: "Preparing" });
  for (const b of layers) emit({ id: lineId(b), status: "Waiting" });
  await runBounded(list, opts.concurrency ?? 3, async (b) => {
    const id = lineId(b);
    const report: ProgressListener = configs.has(b.digest) ? () => {} : emit;
    const info = await provider.info(b.digest).catch((e) => {
      throw invalidArgument(`push ${name}: blob ${b.digest} is not in the local store`, { cause: e });
    });
    if (info.size !== b.size) throw invalidArgument(`push ${name}: blob ${b.digest} is ${info.size} bytes locally, the manifest says ${b.size}`);
    const outcome = await uploadBlob(client, provider, ref.path, b, op, {
      mountFrom: mountFrom(b.digest), onMountMissed: (from) => opts.onMountMissed?.(b.digest, from), monolithicMax: opts.monolithicMax, chunkSize: opts.chunkSize,
      onBytes: (current) => report({ id, status: "Pushing", current, total: b.size }),
    });
    if (outcome.kind === "exists") report({ id, status: "Layer already exists" });
    else if (outcome.kind === "mounted") report({ id, status: "Mounted from", detail: outcome.from });
    else report({ id, status: "Pushed" });
  });

  if (parsed.kind === "index") {
    for (const m of manifests) await client.putManifest(ref.path, m.desc.digest, m.bytes, m.desc.mediaType, op);
  }
  const mediaType = top.mediaType;
  const digest = await client.putManifest(ref.path, tag, topBytes, mediaType, op);
  if (digest !== top.digest) throw invalidArgument(`push ${name}: registry stored the manifest as ${digest}, expected ${top.digest}`);
  emit({ status: "Digest", detail: `${tag}: digest: ${top.digest} size: ${topBytes.length}` });
  return { descriptor: { mediaType, digest: top.digest, size: topBytes.length }, blobs: list.map((b) => b.digest) };
}

/**
 * Layer blob digest → its diff ID (the digest of the uncompressed tar), read from each config's
 * rootfs.diff_ids: Docker keys push progress lines by diff ID, so a compressed layer shows the
 * same short id in `docker push` as in `docker pull` and `docker history`. A config that cannot
 * be read or parsed just leaves its layers keyed by blob digest (the push itself checks blobs).
 */
async function layerDiffIds(provider: ContentProvider, manifests: Manifest[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of manifests) {
    const diffIds = await provider.readBlob(m.config.digest).then(
      (bytes) => (JSON.parse(bytes.toString("utf8")) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids,
      () => undefined,
    ).catch(() => undefined);
    if (!Array.isArray(diffIds) || diffIds.length !== m.layers.length) continue;
    m.layers.forEach((l, i) => { if (typeof diffIds[i] === "string") out.set(l.digest, diffIds[i] as string); });
  }
  return out;
}
