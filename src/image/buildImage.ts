import { Readable, pipeline } from "node:stream";
import { createGzip } from "node:zlib";
import { MediaType, type Descriptor, type Digest, type ImageConfig, type Manifest } from "../oci/image.js";
import type { ContentStore } from "./content/ContentStore.js";
import { Digester } from "./digest.js";

/**
 * Writing images made here (the default image, commits): a layer is gzip-compressed while its
 * uncompressed bytes are hashed into the diff id; config and manifest are canonical JSON.
 */
export interface StoredLayer {
  descriptor: Descriptor;
  diffId: Digest;
  /** Uncompressed size. */
  tarSize: number;
}

export async function storeLayer(content: ContentStore, tar: AsyncIterable<Uint8Array>): Promise<StoredLayer> {
  const digester = new Digester();
  const hashed = (async function* () {
    for await (const c of tar) {
      digester.update(c);
      yield c;
    }
  })();
  // Fixed level and no file name/mtime in the gzip header: same input, same blob.
  const gzip = createGzip({ level: 6 });
  pipeline(Readable.from(hashed), gzip, () => {});
  const info = await content.writeUnverified(gzip);
  return { descriptor: { mediaType: MediaType.OciLayerGzip, digest: info.digest, size: info.size }, diffId: digester.digest(), tarSize: digester.size };
}

export interface StoredImage {
  manifest: Descriptor;
  configDigest: Digest;
  manifestBody: Manifest;
}

export async function storeImage(content: ContentStore, layers: readonly Descriptor[], config: ImageConfig, annotations?: Record<string, string>): Promise<StoredImage> {
  const configBytes = Buffer.from(JSON.stringify(config));
  const configInfo = await content.writeUnverified(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configInfo.digest, size: configInfo.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  if (annotations && Object.keys(annotations).length > 0) manifest.annotations = annotations;
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const mInfo = await content.writeUnverified(manifestBytes);
  return { manifest: { mediaType: MediaType.OciManifest, digest: mInfo.digest, size: mInfo.size }, configDigest: configInfo.digest, manifestBody: manifest };
}
