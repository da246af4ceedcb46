import { invalidArgument, isEngineError } from "../../errors/EngineError.js";
import { MediaType } from "../../oci/image.js";
import type { Descriptor, Manifest } from "../../oci/image.js";
import type { ContentStore } from "../content/ContentStore.js";
import { sha256Digest } from "../digest.js";
import { parseImageConfig } from "../imageConfig.js";
import { isIndexMediaType, parseManifestOrIndex } from "../manifest.js";
import { blobCompression, diffIdOf } from "./layerDigest.js";
import type { ImportedImage } from "./ociLayout.js";
import { importLayout, stagedLayoutSource } from "./ociLayout.js";
import type { StagedArchive, StageOptions } from "./stagedArchive.js";
import { parseJsonFile, resolveStaged, stageArchive, stagedBytes } from "./stagedArchive.js";

/**
 * `docker load`: reads a (possibly gzip-compressed) `docker save` archive — the legacy layout
 * (manifest.json + `<id>/layer.tar` dirs + `<hex>.json` configs), the layout skopeo's
 * docker-archive writes, and Docker 25+'s OCI layout inside (index.json + blobs/ next to
 * manifest.json) — or a plain OCI layout tar. Layers are stored as they are in the archive and
 * checked against the config's diff_ids; each image gets its original manifest when the archive
 * carries one, else a Docker v2 manifest is made for it. Names are returned, not recorded.
 */
export const DockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";

export interface LoadedImage {
  /** RepoTags as written in the archive ("busybox:latest"), or names from OCI annotations. */
  names: string[];
  /** A tag-only `org.opencontainers.image.ref.name` of an OCI layout entry. */
  refName?: string;
  manifestDescriptor: Descriptor;
}

interface ManifestEntry { Config?: unknown; RepoTags?: unknown; Layers?: unknown }

export async function loadDockerArchive(source: AsyncIterable<Uint8Array>, store: ContentStore, opts: StageOptions = {}): Promise<LoadedImage[]> {
  const staged = await stageArchive(source, store, opts);
  const manifestJson = resolveStaged(staged, "manifest.json");
  if (!manifestJson) {
    if (resolveStaged(staged, "index.json")) return importLayout(stagedLayoutSource(staged, store, "load image archive"), store, "load image archive");
    throw invalidArgument("load image archive: neither manifest.json nor index.json found (not a docker save or OCI archive)");
  }
  const entries = parseJsonFile<unknown>(await stagedBytes(staged, "manifest.json", store, "file"), "manifest.json");
  if (!Array.isArray(entries) || entries.length === 0) throw invalidArgument("load image archive: manifest.json must be a non-empty array");
  const originals = await originalManifests(staged, store);
  const out: LoadedImage[] = [];
  for (const [i, raw] of entries.entries()) out.push(await loadEntry(staged, store, raw as ManifestEntry, i, originals));
  return out;
}

async function loadEntry(staged: StagedArchive, store: ContentStore, e: ManifestEntry, i: number, originals: Map<string, Descriptor>): Promise<LoadedImage> {
  const where = `load image archive: manifest.json[${i}]`;
  if (!e || typeof e.Config !== "string") throw invalidArgument(`${where}: Config must be a path`);
  if (!Array.isArray(e.Layers) || !e.Layers.every((l) => typeof l === "string")) throw invalidArgument(`${where}: Layers must be an array of paths`);
  const repoTags = e.RepoTags == null ? [] : e.RepoTags;
  if (!Array.isArray(repoTags) || !repoTags.every((t) => typeof t === "string")) throw invalidArgument(`${where}: RepoTags must be an array of names`);

  const configBytes = await stagedBytes(staged, e.Config, store, "config");
  const config = (() => {
    try { return parseImageConfig(configBytes); } catch (err) { throw invalidArgument(`${where}: config ${e.Config}: ${(err as Error).message}`); }
  })();
  const configDigest = sha256Digest(configBytes);
  await store.write({ digest: configDigest, size: configBytes.length }, configBytes);
  const layerPaths = e.Layers as string[];
  if (config.rootfs.diff_ids.length !== layerPaths.length) throw invalidArgument(`${where}: config lists ${config.rootfs.diff_ids.length} diff_ids but the entry has ${layerPaths.length} layers`);

  const original = originals.get(configDigest);
  if (original) return { names: repoTags as string[], manifestDescriptor: original };

  const layers: Descriptor[] = [];
  for (const [j, path] of layerPaths.entries()) {
    const f = resolveStaged(staged, path);
    if (!f) throw invalidArgument(`${where}: layer ${JSON.stringify(path)} is missing from the archive`);
    const blob = f.kind === "stored" ? { digest: f.digest, size: f.size } : await store.writeUnverified(f.data);
    const compression = await blobCompression(store, blob.digest);
    const diffId = compression === "none" ? blob.digest : await diffIdOf(store, blob.digest).catch((err) => {
      if (isEngineError(err)) throw invalidArgument(`${where}: layer ${path}: ${err.message}`, { cause: err });
      throw err;
    });
    if (diffId !== config.rootfs.diff_ids[j]) throw invalidArgument(`${where}: layer ${path} has content ${diffId}, the config expects diff_id ${config.rootfs.diff_ids[j]}`);
    const mediaType = compression === "none" ? DockerLayerTar : compression === "gzip" ? MediaType.DockerLayerGzip : MediaType.OciLayerZstd;
    layers.push({ mediaType, digest: blob.digest, size: blob.size });
  }
  const zstd = layers.some((l) => l.mediaType === MediaType.OciLayerZstd);
  const manifest: Manifest = zstd
    ? { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: configDigest, size: configBytes.length }, layers: layers.map((l) => ({ ...l, mediaType: l.mediaType === DockerLayerTar ? MediaType.OciLayer : l.mediaType === MediaType.DockerLayerGzip ? MediaType.OciLayerGzip : l.mediaType })) }
    : { schemaVersion: 2, mediaType: MediaType.DockerManifest, config: { mediaType: MediaType.DockerConfig, digest: configDigest, size: configBytes.length }, layers };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const info = await store.write({ digest: sha256Digest(bytes), size: bytes.length }, bytes);
  return { names: repoTags as string[], manifestDescriptor: { mediaType: manifest.mediaType!, digest: info.digest, size: bytes.length } };
}

/**
 * Manifests shipped in the archive's OCI layout (Docker 25+), by config digest, after checking
 * that their blobs are all present: loading them keeps the image's digest as it was saved.
 */
async function originalManifests(staged: StagedArchive, store: ContentStore): Promise<Map<string, Descriptor>> {
  const out = new Map<string, Descriptor>();
  if (!resolveStaged(staged, "index.json") || !resolveStaged(staged, "oci-layout")) return out;
  const imported = await importLayout(stagedLayoutSource(staged, store, "load image archive"), store, "load image archive");
  const visit = async (desc: Descriptor, depth: number): Promise<void> => {
    if (depth > 8) return;
    const p = parseManifestOrIndex(await store.readBlob(desc.digest), desc.mediaType);
    if (p.kind === "index") for (const c of p.index.manifests) if (isIndexMediaType(c.mediaType) || (await store.has(c.digest))) await visit(c, depth + 1);
    if (p.kind === "manifest") out.set(p.manifest.config.digest, { mediaType: desc.mediaType, digest: desc.digest, size: desc.size });
  };
  for (const img of imported) await visit(img.manifestDescriptor, 0);
  return out;
}
