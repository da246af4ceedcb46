import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument, isEngineError } from "../../errors/EngineError.js";
import type { Descriptor, Index } from "../../oci/image.js";
import type { ContentProvider, ContentStore } from "../content/ContentStore.js";
import { parseDigest } from "../digest.js";
import { isIndexMediaType, isManifestMediaType, parseManifestOrIndex } from "../manifest.js";
import type { StagedArchive } from "./stagedArchive.js";
import { resolveStaged, stageArchive } from "./stagedArchive.js";

/**
 * Import of an OCI image layout (image-spec "image layout": `oci-layout`, `index.json`,
 * `blobs/<alg>/<hex>`), from a directory or a tar. Every blob reachable from index.json is
 * copied into the content store and verified; names come from the entries' annotations.
 */
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
export const ANNOTATION_CONTAINERD_NAME = "io.containerd.image.name";

export interface ImportedImage {
  /** Full image names found in annotations (`io.containerd.image.name`, or a ref.name that is a full reference). */
  names: string[];
  /** `org.opencontainers.image.ref.name` when it is only a tag ("latest"), for the caller to combine with a repository. */
  refName?: string;
  /** What index.json points at: a manifest or an index. */
  manifestDescriptor: Descriptor;
}

/** Where the layout's files come from: a directory on disk or a staged archive. */
export interface LayoutSource {
  readFile(path: string): Promise<Buffer | undefined>;
  /** Makes sure the blob is in the store (copying and verifying it); throws if the layout lacks it. */
  ensureBlob(desc: Descriptor): Promise<void>;
}

export function dirLayoutSource(dir: string, store: ContentStore): LayoutSource {
  return {
    readFile: async (p) => readFile(join(dir, p)).catch((e) => {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }),
    ensureBlob: async (desc) => {
      if (await store.has(desc.digest)) return;
      const { algorithm, hex } = parseDigest(desc.digest);
      const path = join(dir, "blobs", algorithm, hex);
      const st = await stat(path).catch(() => undefined);
      if (!st) throw invalidArgument(`import OCI layout ${dir}: blob ${desc.digest} is missing`);
      await store.write(desc, createReadStream(path)).catch((e) => {
        throw invalidArgument(`import OCI layout ${dir}: blob ${desc.digest}: ${(e as Error).message}`, { cause: e });
      });
    },
  };
}

export function stagedLayoutSource(a: StagedArchive, store: ContentProvider, what: string): LayoutSource {
  return {
    readFile: async (p) => {
      const f = resolveStaged(a, p);
      if (!f) return undefined;
      return f.kind === "memory" ? f.data : store.readBlob(f.digest);
    },
    ensureBlob: async (desc) => {
      const { algorithm, hex } = parseDigest(desc.digest);
      const f = resolveStaged(a, `blobs/${algorithm}/${hex}`);
      // Staging verified every blobs/ file against its name; a blob already in the store counts too.
      if (!f && !(await store.has(desc.digest))) throw invalidArgument(`${what}: blob ${desc.digest} is missing from the archive`);
      const info = await store.info(desc.digest);
      if (info.size !== desc.size) throw invalidArgument(`${what}: blob ${desc.digest} is ${info.size} bytes, its descriptor says ${desc.size}`);
    },
  };
}

export async function importOciLayoutDir(dir: string, store: ContentStore): Promise<ImportedImage[]> {
  return importLayout(dirLayoutSource(dir, store), store, `import OCI layout ${dir}`);
}

export async function importOciLayoutTar(source: AsyncIterable<Uint8Array>, store: ContentStore): Promise<ImportedImage[]> {
  const staged = await stageArchive(source, store);
  return importLayout(stagedLayoutSource(staged, store, "import OCI layout archive"), store, "import OCI layout archive");
}

export async function importLayout(src: LayoutSource, store: ContentProvider, what: string): Promise<ImportedImage[]> {
  const layoutFile = await src.readFile("oci-layout");
  if (!layoutFile) throw invalidArgument(`${what}: oci-layout file is missing (not an OCI image layout)`);
  let version: unknown;
  try {
    version = JSON.parse(layoutFile.toString("utf8")).imageLayoutVersion;
  } catch {
    throw invalidArgument(`${what}: oci-layout is not valid JSON`);
  }
  if (version !== "1.0.0") throw invalidArgument(`${what}: unsupported imageLayoutVersion ${JSON.stringify(version)}`);
  const indexBytes = await src.readFile("index.json");
  if (!indexBytes) throw invalidArgument(`${what}: index.json is missing`);
  const parsed = wrap(() => parseManifestOrIndex(indexBytes), `${what}: index.json`);
  if (parsed.kind !== "index") throw invalidArgument(`${what}: index.json is not an image index`);
  const out: ImportedImage[] = [];
  for (const desc of parsed.index.manifests) {
    await walk(src, store, desc, what, 0);
    const ann = desc.annotations ?? {};
    const names: string[] = [];
    let refName: string | undefined;
    if (ann[ANNOTATION_CONTAINERD_NAME]) names.push(ann[ANNOTATION_CONTAINERD_NAME]);
    const rn = ann[ANNOTATION_REF_NAME];
    if (rn) {
      if (/[/:@]/.test(rn)) { if (!names.includes(rn)) names.push(rn); }
      else refName = rn;
    }
    const clean: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
    if (desc.platform) clean.platform = desc.platform;
    if (desc.annotations) clean.annotations = desc.annotations;
    out.push({ names, refName, manifestDescriptor: clean });
  }
  return out;
}

/** Copies a manifest or index and everything below it; children before nothing is returned. */
async function walk(src: LayoutSource, store: ContentProvider, desc: Descriptor, what: string, depth: number): Promise<void> {
  if (depth > 8) throw invalidArgument(`${what}: indexes nested too deep`);
  await src.ensureBlob(desc);
  if (!isManifestMediaType(desc.mediaType) && !isIndexMediaType(desc.mediaType)) return;
  const bytes = await store.readBlob(desc.digest);
  const p = wrap(() => parseManifestOrIndex(bytes, desc.mediaType), `${what}: ${desc.digest}`);
  if (p.kind === "index") {
    for (const child of (p.index as Index).manifests) await walk(src, store, child, what, depth + 1);
  } else {
    await src.ensureBlob(p.manifest.config);
    for (const l of p.manifest.layers) {
      if (l.urls?.length && !(await store.has(l.digest))) continue; // foreign layers are not shipped in layouts
      await src.ensureBlob(l);
    }
  }
}

function wrap<T>(f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    if (isEngineError(e)) throw invalidArgument(`${what}: ${e.message}`, { cause: e });
    throw e;
  }
}
