import type { Writable } from "node:stream";
import { invalidArgument } from "../errors/EngineError.js";
import type { Descriptor, Platform } from "../oci/image.js";
import { loadDockerArchive } from "./archive/dockerLoad.js";
import { saveDockerArchive, type SaveRequest } from "./archive/dockerSave.js";
import { exportOciLayout, type ExportRequest } from "./archive/ociExport.js";
import { importOciLayoutDir } from "./archive/ociLayout.js";
import type { LayoutTarget } from "./archive/layoutTarget.js";
import { importRootfs as importRootfsArchive } from "./archive/rootfsImport.js";
import type { ImageService } from "./ImageService.js";
import { parseManifestOrIndex } from "./manifest.js";
import { EarlyLayers } from "./earlyLayers.js";
import { PipelinedUnpack } from "./pipelinedUnpack.js";
import type { ImageRecord } from "./metadata/ImageRecords.js";
import { selectPlatformManifest } from "./platform.js";
import { formatReference, normalizeReference, repositoryName } from "./reference.js";
import { pullImage } from "./registry/pull.js";
import { pushImage } from "./registry/push.js";
import { shortId, type ProgressListener } from "./registry/progress.js";
import { RegistryClient, type ClientForHostOptions } from "./registry/RegistryClient.js";

/**
 * The transfer verbs of ImageService: the registry and archive modules move bytes into (or out
 * of) the content store and hand back manifests; here names are recorded and layers unpacked.
 * Content-adding flows hold the service lock shared, so garbage collection cannot sweep blobs
 * written but not yet recorded.
 */
export interface PullRequestOptions {
  platform?: Platform;
  onProgress?: ProgressListener;
  /** Registry connection: insecure hosts, certs dir, Docker config path, credentials. */
  registry?: ClientForHostOptions;
  /** Unpack the layers right away (default true, as Docker does). */
  unpack?: boolean;
}

export async function pull(service: ImageService, reference: string, opts: PullRequestOptions = {}): Promise<ImageRecord> {
  const ref = normalizeReference(reference);
  const client = await RegistryClient.forHost(ref.domain, opts.registry);
  const rec = await service.lock.shared(async () => {
    // Layers are unpacked as they arrive (each after its digest is verified), not after the pull.
    const onProgress = opts.onProgress;
    const unpack = opts.unpack === false ? undefined : new PipelinedUnpack(service.unpacker, service.content, onProgress ? (l) => onProgress({ id: shortId(l.digest), status: "Pull complete" }) : undefined);
    let rec: ImageRecord;
    try {
      const res = await pullImage(client, service.content, ref, { platform: opts.platform ?? service.platform, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(unpack ? { onBlobStored: unpack.onBlobStored } : {}) });
      // The repository holds these blobs: a later push elsewhere on this registry can mount them.
      service.records.blobSources.record(ref.domain, ref.path, [res.manifest.config.digest, ...res.manifest.layers.map((l) => l.digest)]);
      // Docker records the tag (if any) and repo@digest of what the reference resolved to.
      const names = [formatReference(ref), `${repositoryName(ref)}@${res.resolvedDigest}`];
      rec = await service.recordImage(res.manifestDescriptor, [...new Set(names)]);
    } catch (e) {
      await unpack?.finish(e);
      throw e;
    }
    await unpack?.finish();
    return rec;
  });
  // Everything is committed by now: this records the unpacked size.
  if (opts.unpack !== false) await service.ensureUnpacked(rec);
  return service.records.get(rec.id) ?? rec;
}

export interface PushRequestOptions {
  onProgress?: ProgressListener;
  registry?: ClientForHostOptions;
}

/** Pushes a local image under its name (`docker push name:tag`); returns the pushed manifest. */
export async function push(service: ImageService, reference: string, opts: PushRequestOptions = {}): Promise<Descriptor> {
  const ref = normalizeReference(reference);
  if (ref.digest !== undefined) throw invalidArgument(`push image: cannot push a digest reference: ${reference}`);
  const rec = service.resolve(reference);
  const client = await RegistryClient.forHost(ref.domain, opts.registry);
  return service.lock.shared(async () => {
    const top: Descriptor = { mediaType: rec.manifestMediaType, digest: rec.manifestDigest, size: (await service.content.info(rec.manifestDigest)).size };
    // Blobs known in another repository of this registry are mounted from it, as Docker does.
    const sources = service.records.blobSources;
    const res = await pushImage(client, service.content, ref, top, {
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      mountFrom: (digest) => sources.mountSources(digest, ref.domain, ref.path),
      onMountMissed: (digest, from) => sources.forgetSource(digest, ref.domain, from),
    });
    sources.record(ref.domain, ref.path, res.blobs);
    return res.descriptor;
  });
}

/** The platform manifest of a loaded root, which may be an index. */
async function platformManifest(service: ImageService, desc: Descriptor): Promise<Descriptor> {
  const p = parseManifestOrIndex(await service.content.readBlob(desc.digest), desc.mediaType);
  return p.kind === "manifest" ? desc : selectPlatformManifest(p.index.manifests, service.platform);
}

export interface LoadedImageRecord {
  image: ImageRecord;
  /** Names as the archive gave them (empty: Docker prints "Loaded image ID"). */
  names: string[];
}

export interface LoadRequestOptions {
  /**
   * Unpack the layers before returning, as Docker's load does (default false: at first use).
   * Layers are then applied while the archive still streams in (EarlyLayers).
   */
  unpack?: boolean;
}

/** `docker load`: a docker-save or OCI-layout tar (plain or gzip). */
export async function load(service: ImageService, source: AsyncIterable<Uint8Array>, opts: LoadRequestOptions = {}): Promise<LoadedImageRecord[]> {
  const out = await service.lock.shared(async () => {
    const early = opts.unpack ? new EarlyLayers(service.unpacker, service.snapshotter, service.content) : undefined;
    try {
      const loaded = await loadDockerArchive(source, service.content, early ? { onBlobStored: early.offer } : {});
      const out: LoadedImageRecord[] = [];
      for (const l of loaded) {
        const manifest = await platformManifest(service, l.manifestDescriptor);
        out.push({ image: await service.recordImage(manifest, l.names), names: l.names });
      }
      if (early) {
        for (const { image } of out) {
          const manifest = await service.imageManifest(image);
          const diffIds = (await service.imageConfig(image)).rootfs.diff_ids;
          await service.unpacker.unpack(manifest.layers, diffIds, undefined, undefined, (i) => early.take(manifest.layers[i]!.digest));
        }
      }
      await early?.discard();
      return out;
    } catch (e) {
      await early?.discard().catch(() => {}); // the load's error is the one to report
      throw e;
    }
  });
  // Committed by now: this records the unpacked sizes.
  if (opts.unpack) for (const { image } of out) await service.ensureUnpacked(image);
  return out.map((l) => ({ ...l, image: service.records.get(l.image.id) ?? l.image }));
}

/** Imports an OCI layout directory (e.g. written by skopeo or `exportOCI`). */
export async function loadOciLayoutDir(service: ImageService, dir: string): Promise<LoadedImageRecord[]> {
  return service.lock.shared(async () => {
    const loaded = await importOciLayoutDir(dir, service.content);
    const out: LoadedImageRecord[] = [];
    for (const l of loaded) {
      const manifest = await platformManifest(service, l.manifestDescriptor);
      out.push({ image: await service.recordImage(manifest, l.names), names: l.names });
    }
    return out;
  });
}

/** Which image and which names to write for each `docker save` argument (an ID saves no name). */
function saveRequests(service: ImageService, inputs: readonly string[]): SaveRequest[] {
  const byId = new Map<string, SaveRequest>();
  for (const input of inputs) {
    const rec = service.resolve(input);
    const req = byId.get(rec.id) ?? { names: [], manifestDigest: rec.manifestDigest };
    const isId = input.startsWith("sha256:") || (/^[0-9a-f]+$/.test(input) && !rec.names.some((n) => n.includes(`/${input}:`)));
    if (!isId) {
      const name = formatReference(normalizeReference(input));
      if (!req.names.includes(name)) req.names.push(name);
    }
    byId.set(rec.id, req);
  }
  return [...byId.values()];
}

/** `docker save`: writes a tar (Docker 25+ layout: OCI layout plus manifest.json) to `out`. */
export async function save(service: ImageService, inputs: readonly string[], out: Writable): Promise<void> {
  const requests = saveRequests(service, inputs);
  await service.lock.shared(() => saveDockerArchive(service.content, requests, out, { tmpDir: service.root }));
}

/** Exports images as an OCI layout (directory or tar target). */
export async function exportOCI(service: ImageService, inputs: readonly string[], target: LayoutTarget): Promise<Descriptor[]> {
  const requests: ExportRequest[] = saveRequests(service, inputs);
  return service.lock.shared(() => exportOciLayout(service.content, requests, target));
}

export interface ImportRootfsOptions {
  /** Name for the image (`docker import file.tar name:tag`). */
  reference?: string;
  /** Dockerfile-style `--change` instructions (CMD, ENV, ...). */
  changes?: string[];
  message?: string;
}

/** `docker import`: a root filesystem tar (plain or gzip) becomes a one-layer image. */
export async function importRootfs(service: ImageService, source: AsyncIterable<Uint8Array>, opts: ImportRootfsOptions = {}): Promise<ImageRecord> {
  const names = opts.reference ? [opts.reference] : [];
  return service.lock.shared(async () => {
    const res = await importRootfsArchive(source, service.content, { platform: service.platform, ...(opts.changes ? { changes: opts.changes } : {}), ...(opts.message ? { message: opts.message } : {}) });
    return service.recordImage(res.manifestDescriptor, names);
  });
}
