import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../errors/EngineError.js";
import { MediaType } from "../oci/image.js";
import { parseImageConfig } from "./imageConfig.js";
import { parseIndex, parseManifest, parseManifestOrIndex } from "./manifest.js";
import { normalizePlatform, parsePlatform, platformMatches, selectPlatformManifest } from "./platform.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const manifest = {
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: { mediaType: MediaType.OciConfig, digest: d("1"), size: 10 },
  layers: [{ mediaType: MediaType.OciLayerGzip, digest: d("2"), size: 20 }],
};

test("manifest: OCI and Docker v2 manifests parse", () => {
  assert.equal(parseManifest(JSON.stringify(manifest)).layers.length, 1);
  const docker = { ...manifest, mediaType: MediaType.DockerManifest, config: { ...manifest.config, mediaType: MediaType.DockerConfig }, layers: [{ ...manifest.layers[0], mediaType: MediaType.DockerLayerGzip }] };
  assert.equal(parseManifest(Buffer.from(JSON.stringify(docker)), MediaType.DockerManifest).config.mediaType, MediaType.DockerConfig);
  const noType = { ...manifest } as Record<string, unknown>;
  delete noType.mediaType;
  assert.equal(parseManifestOrIndex(JSON.stringify(noType)).kind, "manifest");
});

test("manifest: unknown media types are InvalidArgument naming the type", () => {
  assert.throws(() => parseManifest(JSON.stringify({ ...manifest, mediaType: "application/x-weird" })), (e) => isEngineError(e, "InvalidArgument") && /application\/x-weird/.test(e.message));
  const badLayer = { ...manifest, layers: [{ mediaType: "application/vnd.example.blob", digest: d("3"), size: 1 }] };
  assert.throws(() => parseManifest(JSON.stringify(badLayer)), /unsupported layer media type application\/vnd.example.blob/);
  const helm = { ...manifest, config: { mediaType: "application/vnd.cncf.helm.config.v1+json", digest: d("1"), size: 1 } };
  assert.throws(() => parseManifest(JSON.stringify(helm)), /vnd.cncf.helm.config/);
  assert.throws(() => parseManifest(JSON.stringify(manifest), MediaType.DockerManifest), /media type mismatch/);
  assert.throws(() => parseManifest(JSON.stringify({ ...manifest, schemaVersion: 1 })), /schemaVersion/);
  assert.throws(() => parseManifest("{"), /invalid JSON/);
  assert.throws(() => parseManifest(JSON.stringify({ ...manifest, layers: [{ ...manifest.layers[0], size: -1 }] })), /layers\[0\]: size/);
  assert.throws(() => parseManifest(JSON.stringify({ ...manifest, layers: [{ ...manifest.layers[0], digest: "sha256:zz" }] })), /layers\[0\]/);
});

const index = {
  schemaVersion: 2,
  mediaType: MediaType.OciIndex,
  manifests: [
    { mediaType: MediaType.OciManifest, digest: d("a"), size: 1, platform: { os: "linux", architecture: "arm", variant: "v6" } },
    { mediaType: MediaType.OciManifest, digest: d("b"), size: 1, platform: { os: "linux", architecture: "arm", variant: "v7" } },
    { mediaType: MediaType.OciManifest, digest: d("c"), size: 1, platform: { os: "linux", architecture: "amd64" } },
    { mediaType: MediaType.OciManifest, digest: d("d"), size: 1, platform: { os: "windows", architecture: "amd64", "os.version": "10.0" } },
    { mediaType: MediaType.OciManifest, digest: d("e"), size: 1, platform: { os: "unknown", architecture: "unknown" } },
    { mediaType: MediaType.OciManifest, digest: d("f"), size: 1, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
    { mediaType: MediaType.OciManifest, digest: d("9"), size: 1, platform: { os: "linux", architecture: "ppc64le", "os.features": ["special"] } },
  ],
};

test("index: platform selection with variants and os.features", () => {
  const idx = parseIndex(JSON.stringify(index));
  assert.equal(selectPlatformManifest(idx.manifests, { os: "linux", architecture: "amd64" }).digest, d("c"));
  assert.equal(selectPlatformManifest(idx.manifests, { os: "linux", architecture: "x86_64" }).digest, d("c"));
  assert.equal(selectPlatformManifest(idx.manifests, { os: "linux", architecture: "arm", variant: "v7" }).digest, d("b"));
  assert.equal(selectPlatformManifest(idx.manifests.filter((m) => m.digest !== d("b")), { os: "linux", architecture: "arm", variant: "v7" }).digest, d("a"));
  assert.equal(selectPlatformManifest(idx.manifests, { os: "linux", architecture: "aarch64" }).digest, d("f"));
  assert.throws(() => selectPlatformManifest(idx.manifests, { os: "linux", architecture: "arm", variant: "v5" }), (e) => isEngineError(e, "NotFound"));
  assert.throws(() => selectPlatformManifest(idx.manifests, { os: "linux", architecture: "ppc64le" }), (e) => isEngineError(e, "NotFound"));
  assert.equal(selectPlatformManifest(idx.manifests, { os: "linux", architecture: "ppc64le", "os.features": ["special", "x"] }).digest, d("9"));
  assert.equal(platformMatches({ os: "linux", architecture: "amd64", variant: "v3" }, { os: "linux", architecture: "amd64", variant: "v2" }), true);
  assert.equal(platformMatches({ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "amd64", variant: "v2" }), false);
  assert.deepEqual(normalizePlatform({ os: "Linux", architecture: "aarch64" }), { os: "linux", architecture: "arm64", variant: "v8" });
  assert.deepEqual(parsePlatform("linux/arm/7"), { os: "linux", architecture: "arm", variant: "v7" });
  assert.throws(() => parsePlatform("linux"), (e) => isEngineError(e, "InvalidArgument"));
});

test("image config: parses and validates diff_ids", () => {
  const cfg = { architecture: "amd64", os: "linux", config: { Cmd: ["sh"] }, rootfs: { type: "layers", diff_ids: [d("2")] } };
  assert.deepEqual(parseImageConfig(JSON.stringify(cfg)).config?.Cmd, ["sh"]);
  assert.throws(() => parseImageConfig(JSON.stringify({ ...cfg, rootfs: { type: "layers", diff_ids: ["x"] } })), /diff_ids\[0\]/);
  assert.throws(() => parseImageConfig(JSON.stringify({ ...cfg, os: undefined })), /os is missing/);
  assert.throws(() => parseImageConfig(JSON.stringify({ ...cfg, rootfs: { type: "other", diff_ids: [] } })), /rootfs.type/);
});
