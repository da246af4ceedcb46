import { invalidArgument, isEngineError } from "../../errors/EngineError.js";
import { MediaType } from "../../oci/image.js";
import type { Descriptor, ImageConfig, Manifest, Platform } from "../../oci/image.js";
import type { ContentStore } from "../content/ContentStore.js";
import { sha256Digest } from "../digest.js";
import { hostPlatform } from "../platform.js";
import { decompressed } from "./compression.js";
import { applyChanges } from "./importChanges.js";
import { DockerLayerTar } from "./dockerLoad.js";
import { readTar } from "../unpack/tarReader.js";
import { blobStream } from "../registry/blobStream.js";

/**
 * `docker import`: a tar (plain or gzip) of a root filesystem becomes a one-layer image. The
 * layer is stored uncompressed (its digest is its diff_id), checked to be a readable tar, and
 * described by a config (with `--change` instructions applied) and a Docker v2 manifest.
 */
export interface RootfsImportOptions {
  changes?: string[];
  /** The commit message, recorded in history (`docker import -m`). */
  message?: string;
  platform?: Platform;
  /** ISO time for `created` (default: now). */
  created?: string;
}

export interface RootfsImportResult {
  manifestDescriptor: Descriptor;
  config: ImageConfig;
  layer: Descriptor;
}

export async function importRootfs(source: AsyncIterable<Uint8Array>, store: ContentStore, opts: RootfsImportOptions = {}): Promise<RootfsImportResult> {
  const defaults = applyChanges({}, opts.changes ?? []); // bad changes fail before any byte is stored
  const layerInfo = await store.writeUnverified(await decompressed(source, "imported rootfs"));
  try {
    // Read it through: a truncated or non-tar input fails here, not at unpack time.
    for await (const { body } of readTar(await blobStream(store, layerInfo.digest))) {
      for await (const _ of body) { /* consumed */ }
    }
  } catch (e) {
    if (isEngineError(e)) throw invalidArgument(`import rootfs: not a valid tar archive: ${e.message}`, { cause: e });
    throw e;
  }
  const platform = opts.platform ?? hostPlatform();
  const created = opts.created ?? new Date().toISOString();
  const config: ImageConfig = {
    created, architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
    config: defaults,
    rootfs: { type: "layers", diff_ids: [layerInfo.digest] },
    history: [{ created, created_by: "", comment: opts.message || "Imported from -" }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDesc: Descriptor = { mediaType: MediaType.DockerConfig, digest: sha256Digest(configBytes), size: configBytes.length };
  await store.write(configDesc, configBytes);
  const layer: Descriptor = { mediaType: DockerLayerTar, digest: layerInfo.digest, size: layerInfo.size };
  const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.DockerManifest, config: configDesc, layers: [layer] };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const manifestDescriptor: Descriptor = { mediaType: MediaType.DockerManifest, digest: sha256Digest(bytes), size: bytes.length };
  await store.write(manifestDescriptor, bytes);
  return { manifestDescriptor, config, layer };
}
