import { invalidArgument } from "../../errors/EngineError.js";
import type { Descriptor, Index } from "../../oci/image.js";
import type { ContentProvider } from "../content/ContentStore.js";
import { parseManifestOrIndex } from "../manifest.js";
import { hostPlatform, selectPlatformManifest } from "../platform.js";
import { parseReference, formatReference, withDefaultTag } from "../reference.js";
import type { LayoutTarget } from "./layoutTarget.js";
import { ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME } from "./ociLayout.js";
import { blobStream } from "../registry/blobStream.js";

/**
 * Export of images as an OCI image layout (directory or tar through a LayoutTarget): blobs as
 * stored (digests unchanged), one index.json entry per name annotated with the tag
 * (`org.opencontainers.image.ref.name`, what `skopeo copy oci:DIR:TAG` looks up) and the full
 * name (`io.containerd.image.name`). An index whose platforms are not all present locally is
 * exported as the local platform's manifest. A directory's existing index.json entries are
 * kept unless a new entry takes their ref name.
 */
export interface ExportRequest {
  names: string[];
  /** A manifest or index digest in the provider. */
  manifestDigest: string;
}

export async function exportOciLayout(provider: ContentProvider, images: ExportRequest[], target: LayoutTarget): Promise<Descriptor[]> {
  const entries: Descriptor[] = [];
  for (const img of images) {
    const desc = await exportableRoot(provider, img.manifestDigest);
    await copyTree(provider, desc, target);
    if (img.names.length === 0) entries.push(desc);
    for (const n of img.names) {
      const ref = withDefaultTag(parseReference(n));
      const annotations: Record<string, string> = { [ANNOTATION_CONTAINERD_NAME]: formatReference(ref) };
      if (ref.tag) annotations[ANNOTATION_REF_NAME] = ref.tag;
      entries.push({ ...desc, annotations });
    }
  }
  let kept: Descriptor[] = [];
  const existing = await target.readFile("index.json");
  if (existing) {
    const p = parseManifestOrIndex(existing);
    if (p.kind === "index") {
      const taken = new Set(entries.map((e) => e.annotations?.[ANNOTATION_REF_NAME]).filter(Boolean));
      kept = p.index.manifests.filter((m) => !taken.has(m.annotations?.[ANNOTATION_REF_NAME]));
    }
  }
  const index: Index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [...kept, ...entries] };
  await target.writeFile("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
  await target.writeFile("index.json", Buffer.from(JSON.stringify(index)));
  await target.finish();
  return entries;
}

/** The descriptor to export for a stored manifest or index (see the module comment). */
export async function exportableRoot(provider: ContentProvider, digest: string): Promise<Descriptor> {
  const bytes = await provider.readBlob(digest);
  const p = parseManifestOrIndex(bytes);
  const mediaType = p.kind === "index" ? p.index.mediaType ?? "application/vnd.oci.image.index.v1+json" : p.manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json";
  if (p.kind === "manifest") return { mediaType, digest, size: bytes.length };
  const present: Descriptor[] = [];
  for (const m of p.index.manifests) if (await provider.has(m.digest)) present.push(m);
  if (present.length === p.index.manifests.length) return { mediaType, digest, size: bytes.length };
  if (present.length === 0) throw invalidArgument(`export image ${digest}: none of the index's manifests is stored locally`);
  const chosen = selectPlatformManifest(present, hostPlatform());
  return { mediaType: chosen.mediaType, digest: chosen.digest, size: chosen.size };
}

async function copyTree(provider: ContentProvider, desc: Descriptor, target: LayoutTarget, depth = 0): Promise<void> {
  if (depth > 8) throw invalidArgument(`export image: indexes nested too deep at ${desc.digest}`);
  const bytes = await provider.readBlob(desc.digest);
  const p = parseManifestOrIndex(bytes, desc.mediaType);
  const children: Descriptor[] = [];
  if (p.kind === "index") for (const c of p.index.manifests) await copyTree(provider, c, target, depth + 1);
  else children.push(p.manifest.config, ...p.manifest.layers);
  for (const c of children) await copyBlob(provider, c, target);
  if (!(await target.hasBlob(desc.digest))) await target.writeBlob(desc.digest, bytes.length, once(bytes));
}

async function copyBlob(provider: ContentProvider, d: Descriptor, target: LayoutTarget): Promise<void> {
  if (await target.hasBlob(d.digest)) return;
  if (d.urls?.length && !(await provider.has(d.digest))) return; // foreign layer: stays remote
  const info = await provider.info(d.digest);
  await target.writeBlob(d.digest, info.size, await blobStream(provider, d.digest));
}

export async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  yield b;
}
