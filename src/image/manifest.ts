import { invalidArgument } from "../errors/EngineError.js";
import { MediaType, type Descriptor, type Index, type Manifest } from "../oci/image.js";
import { parseDigest } from "./digest.js";

/**
 * Parsing and validation of OCI / Docker v2 manifests and indexes (manifest lists). Anything
 * berth cannot interpret is refused with InvalidArgument naming the media type, rather than
 * guessed at.
 */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [MediaType.OciManifest, MediaType.DockerManifest];
export const INDEX_MEDIA_TYPES: readonly string[] = [MediaType.OciIndex, MediaType.DockerManifestList];
export const CONFIG_MEDIA_TYPES: readonly string[] = [MediaType.OciConfig, MediaType.DockerConfig];
export const LAYER_MEDIA_TYPES: readonly string[] = [
  MediaType.OciLayer,
  MediaType.OciLayerGzip,
  MediaType.OciLayerZstd,
  MediaType.OciLayerNondistributable,
  MediaType.OciLayerNondistributableGzip,
  MediaType.DockerLayerGzip,
  MediaType.DockerLayerForeignGzip,
  // Docker's own uncompressed form (docker save of older daemons).
  "application/vnd.docker.image.rootfs.diff.tar",
];

export type ParsedContent = { kind: "manifest"; manifest: Manifest } | { kind: "index"; index: Index };

export function isManifestMediaType(t: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(t);
}
export function isIndexMediaType(t: string): boolean {
  return INDEX_MEDIA_TYPES.includes(t);
}
export function isLayerMediaType(t: string): boolean {
  return LAYER_MEDIA_TYPES.includes(t);
}

function parseJson(bytes: Buffer | string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch (e) {
    throw invalidArgument(`parse ${what}: invalid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw invalidArgument(`parse ${what}: not a JSON object`);
  return v as Record<string, unknown>;
}

/** Validates one descriptor (mediaType, digest, non-negative integer size). */
export function validateDescriptor(d: unknown, where: string): Descriptor {
  if (d === null || typeof d !== "object") throw invalidArgument(`validate ${where}: descriptor is not an object`);
  const desc = d as Descriptor;
  if (typeof desc.mediaType !== "string" || desc.mediaType === "") throw invalidArgument(`validate ${where}: mediaType is missing`);
  try {
    parseDigest(desc.digest);
  } catch (e) {
    throw invalidArgument(`validate ${where}: ${(e as Error).message}`);
  }
  if (typeof desc.size !== "number" || !Number.isSafeInteger(desc.size) || desc.size < 0) {
    throw invalidArgument(`validate ${where}: size must be a non-negative integer, got ${JSON.stringify(desc.size)}`);
  }
  return desc;
}

/**
 * Parses a manifest or index. `mediaType` is the type the transport declared (registry
 * Content-Type or the parent descriptor); when absent, the document's own `mediaType` decides,
 * and failing that its shape (OCI allows omitting it).
 */
export function parseManifestOrIndex(bytes: Buffer | string, mediaType?: string): ParsedContent {
  const doc = parseJson(bytes, "manifest");
  const declared = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  if (mediaType !== undefined && declared !== undefined && mediaType !== declared) {
    throw invalidArgument(`parse manifest: media type mismatch: descriptor says ${mediaType}, document says ${declared}`);
  }
  let type = mediaType ?? declared;
  if (type === undefined) {
    if (Array.isArray(doc.manifests)) type = MediaType.OciIndex;
    else if (doc.config !== undefined) type = MediaType.OciManifest;
  }
  if (type === undefined) throw invalidArgument("parse manifest: cannot tell a manifest from an index (no mediaType, no config, no manifests)");
  if (doc.schemaVersion !== 2) throw invalidArgument(`parse manifest: unsupported schemaVersion ${JSON.stringify(doc.schemaVersion)} (only 2)`);
  if (isIndexMediaType(type)) {
    if (!Array.isArray(doc.manifests)) throw invalidArgument(`parse manifest: ${type}: manifests must be an array`);
    doc.manifests.forEach((m, i) => validateDescriptor(m, `manifests[${i}]`));
    return { kind: "index", index: doc as unknown as Index };
  }
  if (isManifestMediaType(type)) {
    const config = validateDescriptor(doc.config, "config");
    if (!CONFIG_MEDIA_TYPES.includes(config.mediaType)) {
      throw invalidArgument(`parse manifest: unsupported config media type ${config.mediaType} (not a container image)`);
    }
    if (!Array.isArray(doc.layers)) throw invalidArgument(`parse manifest: ${type}: layers must be an array`);
    doc.layers.forEach((l, i) => {
      const d = validateDescriptor(l, `layers[${i}]`);
      if (!isLayerMediaType(d.mediaType)) throw invalidArgument(`parse manifest: layers[${i}]: unsupported layer media type ${d.mediaType}`);
    });
    return { kind: "manifest", manifest: doc as unknown as Manifest };
  }
  throw invalidArgument(`parse manifest: unsupported media type ${type}`);
}

export function parseManifest(bytes: Buffer | string, mediaType?: string): Manifest {
  const p = parseManifestOrIndex(bytes, mediaType);
  if (p.kind !== "manifest") throw invalidArgument(`parse manifest: expected an image manifest, got an index (${mediaType ?? p.index.mediaType ?? MediaType.OciIndex})`);
  return p.manifest;
}

export function parseIndex(bytes: Buffer | string, mediaType?: string): Index {
  const p = parseManifestOrIndex(bytes, mediaType);
  if (p.kind !== "index") throw invalidArgument(`parse index: expected an index, got a manifest`);
  return p.index;
}
