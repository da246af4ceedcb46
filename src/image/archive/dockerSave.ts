import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Readable, type Writable } from "node:stream";
import { invalidArgument } from "../../errors/EngineError.js";
import { MediaType } from "../../oci/image.js";
import type { Descriptor, Manifest } from "../../oci/image.js";
import type { ContentProvider } from "../content/ContentStore.js";
import { Digester, parseDigest, sha256Digest } from "../digest.js";
import { parseImageConfig } from "../imageConfig.js";
import { parseManifest } from "../manifest.js";
import { familiarName, formatReference, parseReference, withDefaultTag } from "../reference.js";
import { decompressed } from "./compression.js";
import { blobCompression } from "./layerDigest.js";
import { blobArchivePath, tarTarget } from "./layoutTarget.js";
import { exportableRoot, once } from "./ociExport.js";
import { ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME } from "./ociLayout.js";
import { blobStream } from "../registry/blobStream.js";

/**
 * `docker save` in the format Docker 25+ writes: an OCI layout (oci-layout, index.json,
 * blobs/sha256/...) plus the legacy manifest.json and repositories files pointing into blobs/,
 * so both old and new `docker load` accept it. Layers are written uncompressed (Docker's
 * habit); a compressed layer is decompressed to a temporary file first, its digest checked
 * against the config's diff_id, and the image gets an OCI manifest naming the plain layers.
 * A manifest whose layers are already plain keeps its bytes, hence its digest.
 */
export interface SaveRequest {
  names: string[];
  /** A manifest, or an index (its local platform is saved). */
  manifestDigest: string;
}

export interface SaveOptions {
  /** Where decompressed layers wait until they are written (default: the OS temp dir). */
  tmpDir?: string;
}

const PLAIN_LAYER_TYPES = new Set<string>([MediaType.OciLayer, "application/vnd.docker.image.rootfs.diff.tar"]);

export async function saveDockerArchive(provider: ContentProvider, images: SaveRequest[], out: Writable, opts: SaveOptions = {}): Promise<void> {
  if (images.length === 0) throw invalidArgument("save images: no image given");
  const tmp = await mkdtemp(join(opts.tmpDir ?? tmpdir(), "berth-save-"));
  try {
    const target = tarTarget(out);
    const manifestJson: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    const indexEntries: Descriptor[] = [];
    const plainSizes = new Map<string, number>(); // diff_id → size of plain layers already written
    for (const img of images) {
      const root = await exportableRoot(provider, img.manifestDigest);
      const manifestBytes = await provider.readBlob(root.digest);
      const manifest = parseManifest(manifestBytes, root.mediaType);
      const configBytes = await provider.readBlob(manifest.config.digest);
      const config = parseImageConfig(configBytes);
      if (config.rootfs.diff_ids.length !== manifest.layers.length) throw invalidArgument(`save image ${root.digest}: config lists ${config.rootfs.diff_ids.length} diff_ids for ${manifest.layers.length} layers`);

      const plainLayers: Descriptor[] = [];
      let rewritten = false;
      for (const [i, layer] of manifest.layers.entries()) {
        const diffId = config.rootfs.diff_ids[i]!;
        const kind = await blobCompression(provider, layer.digest);
        if (kind === "none") {
          if (layer.digest !== diffId) throw invalidArgument(`save image ${root.digest}: layer ${layer.digest} does not match diff_id ${diffId}`);
          if (!(await target.hasBlob(layer.digest))) await target.writeBlob(layer.digest, layer.size, await blobStream(provider, layer.digest));
          plainSizes.set(layer.digest, layer.size);
          if (!PLAIN_LAYER_TYPES.has(layer.mediaType)) rewritten = true;
          plainLayers.push({ mediaType: MediaType.OciLayer, digest: layer.digest, size: layer.size });
          continue;
        }
        rewritten = true;
        if (!(await target.hasBlob(diffId))) {
          const file = join(tmp, parseDigest(diffId).hex);
          const d = new Digester();
          const hashing = new Transform({ transform(c, _e, cb) { d.update(c); cb(null, c); } });
          await pipeline(Readable.from(await decompressed(await blobStream(provider, layer.digest), `layer ${layer.digest}`)), hashing, createWriteStream(file));
          if (d.digest() !== diffId) throw invalidArgument(`save image ${root.digest}: layer ${layer.digest} decompresses to ${d.digest()}, the config expects ${diffId}`);
          await target.writeBlob(diffId, d.size, createReadStream(file));
          await rm(file, { force: true });
          plainSizes.set(diffId, d.size);
        }
        plainLayers.push({ mediaType: MediaType.OciLayer, digest: diffId, size: plainSizes.get(diffId)! });
      }

      let manifestDesc: Descriptor;
      if (!rewritten) {
        manifestDesc = root;
        if (!(await target.hasBlob(manifest.config.digest))) await target.writeBlob(manifest.config.digest, configBytes.length, once(configBytes));
        if (!(await target.hasBlob(root.digest))) await target.writeBlob(root.digest, manifestBytes.length, once(manifestBytes));
      } else {
        const configDesc = { mediaType: MediaType.OciConfig, digest: manifest.config.digest, size: configBytes.length };
        if (!(await target.hasBlob(configDesc.digest))) await target.writeBlob(configDesc.digest, configBytes.length, once(configBytes));
        const m: Manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: configDesc, layers: plainLayers };
        const bytes = Buffer.from(JSON.stringify(m));
        manifestDesc = { mediaType: MediaType.OciManifest, digest: sha256Digest(bytes), size: bytes.length };
        if (!(await target.hasBlob(manifestDesc.digest))) await target.writeBlob(manifestDesc.digest, bytes.length, once(bytes));
      }

      const repoTags: string[] = [];
      for (const n of img.names) {
        const ref = withDefaultTag(parseReference(n));
        if (ref.tag === undefined) continue; // digest-only names cannot be RepoTags
        const familiar = `${familiarName(ref)}:${ref.tag}`;
        repoTags.push(familiar);
        indexEntries.push({ ...manifestDesc, annotations: { [ANNOTATION_CONTAINERD_NAME]: formatReference({ ...ref, digest: undefined }), [ANNOTATION_REF_NAME]: ref.tag } });
        const top = plainLayers.at(-1);
        if (top) (repositories[familiarName(ref)] ??= {})[ref.tag] = parseDigest(top.digest).hex;
      }
      if (repoTags.length === 0) indexEntries.push(manifestDesc);
      manifestJson.push({ Config: blobArchivePath(manifest.config.digest), RepoTags: repoTags, Layers: plainLayers.map((l) => blobArchivePath(l.digest)) });
    }
    await target.writeFile("index.json", Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: indexEntries })));
    await target.writeFile("manifest.json", Buffer.from(JSON.stringify(manifestJson)));
    await target.writeFile("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
    if (Object.keys(repositories).length > 0) await target.writeFile("repositories", Buffer.from(JSON.stringify(repositories)));
    await target.finish();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
