/**
 * The daemon's ImageBackend (src/api/backend.ts) over the ImageService: Docker-shaped answers,
 * progress streams, Docker's conflict texts, and image events. Registry connection settings
 * (the daemon's --insecure-registry, certs dir) come from the daemon config; credentials come
 * only from each request's X-Registry-Auth (the daemon never reads a user's config.json).
 */
import { PassThrough, type Readable } from "node:stream";
import { conflict, EngineError, invalidArgument, notFound } from "../errors/EngineError.js";
import type { ImageBackend, ProgressFn } from "../api/backend.js";
import type { Filters } from "../api/filters.js";
import type { ContainerConfig } from "../api/types/container.js";
import type {
  ImageDeleteResponseItem, ImageHistoryItem, ImageImportOptions, ImageInspect, ImageListOptions,
  ImagePruneResponse, ImagePullOptions, ImagePushOptions, ImageSummary,
} from "../api/types/image.js";
import type { JSONMessage } from "../api/types/progress.js";
import type { AuthConfig } from "../api/types/system.js";
import type { ImageService } from "../image/ImageService.js";
import type { ImageRecord } from "../image/metadata/ImageRecords.js";
import { formatPlatform, parsePlatform } from "../image/platform.js";
import { familiarName, familiarString, formatReference, normalizeReference, parseReference, repositoryName } from "../image/reference.js";
import type { ProgressEvent } from "../image/registry/progress.js";
import type { ClientForHostOptions } from "../image/registry/RegistryClient.js";
import { imageEvent, type EmitEvent, type ImageAction } from "./imageEvents.js";
import { imageFilter, referenceMatches } from "./imageFilters.js";
import { progressMessage } from "./imageProgress.js";
import { credentialsOf } from "./imageRegistryAuth.js";

/** How the daemon reaches registries (daemon flags, not per request). */
export interface RegistryConnectionOptions {
  /** `--insecure-registry` hosts ("host" or "host:port"): plain http. Loopback always is. */
  insecureRegistries?: string[];
  /** Per-host TLS material, Docker's /etc/docker/certs.d layout. */
  certsDir?: string;
}

export interface ImageBackendDeps {
  images: ImageService;
  registry?: RegistryConnectionOptions;
  /** Publishes image events on the daemon's bus; events are dropped when absent. */
  emit?: EmitEvent;
  /**
   * Whether a container is running, for rmi's hard conflict (a running container's image
   * cannot be deleted even with force). Without it every user counts as stopped.
   */
  isContainerRunning?: (containerId: string) => boolean;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

export function createImageBackend(deps: ImageBackendDeps): ImageBackend {
  const { images } = deps;
  const emit = (action: ImageAction, id: string, attrs: Record<string, string> = {}) => deps.emit?.(imageEvent(action, id, attrs));
  const registryOptions = (auth: AuthConfig | undefined): ClientForHostOptions => {
    const credentials = credentialsOf(auth);
    const opts: ClientForHostOptions = { hostOptions: { ...(deps.registry ?? {}) } };
    if (credentials) opts.credentials = credentials;
    return opts;
  };

  return {
    async list(o: ImageListOptions): Promise<ImageSummary[]> {
      const summaries = await images.list();
      const shared = new Map<string, number>();
      if (o.sharedSize) for (const u of (await images.diskUsage()).Images) shared.set(u.Id, u.SharedSize);
      const keep = imageFilter(o.filters, { createdOf: (ref) => createdOf(images, ref) });
      // moby lists only the names that match a reference filter (`docker images busybox`).
      const patterns = [...(o.filters.get("reference") ?? [])];
      const named = (names: string[]) => (patterns.length ? names.filter((n) => patterns.some((p) => referenceMatches(p, n))) : names);
      return summaries
        .filter((s) => keep({ id: s.Id, repoTags: s.RepoTags, repoDigests: s.RepoDigests, created: s.Created, labels: s.Labels }))
        .map((s) => ({ ...s, RepoTags: named(s.RepoTags), RepoDigests: named(s.RepoDigests) }))
        .sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id))
        .map((s) => ({
          Id: s.Id, ParentId: s.ParentId, RepoTags: s.RepoTags, RepoDigests: s.RepoDigests, Created: s.Created,
          Size: s.Size, SharedSize: o.sharedSize ? (shared.get(s.Id) ?? 0) : -1, Labels: s.Labels, Containers: s.Containers,
        }));
    },

    async inspect(name: string): Promise<ImageInspect> {
      const v = await images.inspect(name);
      const out: ImageInspect = {
        Id: v.Id, RepoTags: v.RepoTags, RepoDigests: v.RepoDigests, Parent: v.Parent, Comment: v.Comment,
        Created: v.Created, DockerVersion: v.DockerVersion, Author: v.Author, Config: v.Config as ContainerConfig,
        Architecture: v.Architecture, Os: v.Os, Size: v.Size,
        GraphDriver: { Name: "overlayfs", Data: null },
        RootFS: { Type: v.RootFS.Type, Layers: v.RootFS.Layers },
        Metadata: { LastTagTime: v.Metadata.LastTagTime || ZERO_TIME },
      };
      if (v.Variant) out.Variant = v.Variant;
      return out;
    },

    async history(name: string, o: { platform?: string }): Promise<ImageHistoryItem[]> {
      if (o.platform) checkPlatform(images, o.platform, "history");
      return images.history(name);
    },

    async pull(o: ImagePullOptions, progress: ProgressFn): Promise<void> {
      const refText = pullReference(o.fromImage, o.tag);
      const ref = normalizeReference(refText);
      const registry = registryOptions(o.auth);
      const platform = o.platform ? parsePlatform(o.platform) : undefined;
      const before = images.tryResolve(formatReference(ref))?.id;
      const id = ref.digest ?? ref.tag ?? "latest";
      const fetched = new Set<string>();
      const sink = orderedSink(progress);
      // moby says "Pulling from" once the manifest was found: held back until the next event,
      // so a missing image or denied access is an HTTP error, not an in-stream one.
      let held: JSONMessage | undefined;
      let digestLine: JSONMessage | undefined;
      const rec = await images.pull(refText, {
        ...(platform ? { platform } : {}), registry,
        onProgress: (e: ProgressEvent) => {
          if (e.status === "Pulling from") {
            held = progressMessage(e, id);
            return;
          }
          if (held) sink.push(held);
          held = undefined;
          if (e.status === "Pulling fs layer" && e.id) fetched.add(e.id);
          // Each layer's snapshot is committed as it arrives (pipelined unpack); Docker says
          // "Pull complete" only for layers this pull fetched.
          if (e.status === "Pull complete" && (!e.id || !fetched.has(e.id))) return;
          // The download ends before the last layer is unpacked: "Digest" after every layer, as Docker.
          if (e.status === "Digest") {
            digestLine = progressMessage(e, id);
            return;
          }
          sink.push(progressMessage(e, id));
        },
      }).finally(() => sink.flush());
      await sink.flush();
      if (digestLine) await progress(digestLine);
      const shown = familiarString(ref);
      await progress({ status: `Status: ${before === rec.id ? "Image is up to date" : "Downloaded newer image"} for ${shown}` });
      emit("pull", shown, { name: familiarName(ref) });
    },

    async import(o: ImageImportOptions, source: Readable | null, progress: ProgressFn): Promise<void> {
      if (o.fromSrc !== "-" || source === null) throw new EngineError("NotImplemented", `import image: importing from ${JSON.stringify(o.fromSrc)} is not supported; send the archive as the request body (fromSrc=-)`);
      if (o.platform) checkPlatform(images, o.platform, "import");
      let reference: string | undefined;
      if (o.repo) {
        reference = o.tag ? `${o.repo}:${o.tag}` : o.repo;
        normalizeReference(reference); // a bad name is a 400 before the upload is read
      }
      const rec = await images.importRootfs(source as AsyncIterable<Uint8Array>, {
        ...(reference ? { reference } : {}), changes: o.changes, ...(o.message ? { message: o.message } : {}),
      });
      await images.ensureUnpacked(rec);
      await progress({ status: rec.id });
      emit("import", rec.id, reference ? { name: familiarString(normalizeReference(reference)) } : {});
    },

    async push(o: ImagePushOptions, progress: ProgressFn): Promise<void> {
      const registry = registryOptions(o.auth);
      if (o.platform) checkPlatform(images, o.platform, "push");
      for (const target of pushTargets(images, o.name, o.tag)) {
        const ref = parseReference(target);
        const sink = orderedSink(progress);
        const desc = await images.push(target, {
          registry,
          onProgress: (e: ProgressEvent) => sink.push(e.status === "Digest" ? { status: e.detail ?? "" } : progressMessage(e, ref.tag ?? "")),
        }).finally(() => sink.flush());
        await sink.flush();
        await progress({ progressDetail: {}, aux: { Tag: ref.tag, Digest: desc.digest, Size: desc.size } });
        emit("push", familiarString(ref), { name: familiarName(ref) });
      }
    },

    async tag(name: string, repo: string, tag: string | undefined): Promise<void> {
      const target = tag ? `${repo}:${tag}` : repo;
      const ref = normalizeReference(target);
      await images.tag(name, target);
      emit("tag", images.resolve(formatReference(ref)).id, { name: familiarString(ref) });
    },

    async remove(name: string, o: { force: boolean; noprune: boolean }): Promise<ImageDeleteResponseItem[]> {
      const rec = images.resolve(name);
      checkRunningUsers(images, deps.isContainerRunning, name, rec, o.force);
      const items = await images.remove(name, { force: o.force, noPrune: o.noprune });
      for (const it of items) {
        if ("Untagged" in it) emit("untag", rec.id, { name: it.Untagged });
        else emit("delete", it.Deleted, { name: it.Deleted });
      }
      return items;
    },

    async save(names: readonly string[], signal: AbortSignal): Promise<Readable> {
      // Unknown names are a 404 before any byte of the archive is sent.
      const recs = names.map((n) => images.resolve(n));
      const out = new PassThrough();
      const onAbort = () => out.destroy();
      signal.addEventListener("abort", onAbort, { once: true });
      images.save(names, out).then(
        () => {
          if (!out.writableEnded) out.end();
          for (const r of new Set(recs.map((x) => x.id))) emit("save", r, { name: r });
        },
        (e) => out.destroy(e instanceof Error ? e : new Error(String(e))),
      ).finally(() => signal.removeEventListener("abort", onAbort));
      return out;
    },

    async load(tar: Readable, _o: { quiet: boolean }, progress: ProgressFn): Promise<void> {
      // The loader reads the archive in one pass and reports per image, so quiet and verbose
      // print the same lines (moby's quiet only drops the per-layer bars berth does not draw).
      // Layers unpacked before "Loaded image", as Docker registers them (and sizes are unpacked
      // ones); each is applied as soon as it has arrived, while the archive still streams in.
      const loaded = await images.load(tar as AsyncIterable<Uint8Array>, { unpack: true });
      for (const l of loaded) {
        if (l.names.length === 0) await progress({ stream: `Loaded image ID: ${l.image.id}\n` });
        for (const n of l.names) await progress({ stream: `Loaded image: ${familiarString(parseReference(n))}\n` });
        emit("load", l.image.id, l.names.length ? { name: familiarString(parseReference(l.names[0]!)) } : {});
      }
    },

    async prune(filters: Filters): Promise<ImagePruneResponse> {
      return pruneImages(images, filters, (action, id, attrs) => emit(action, id, attrs));
    },
  };
}

/** fromImage + tag as one reference; a tag that is a digest makes `name@digest`. */
export function pullReference(fromImage: string, tag: string | undefined): string {
  if (tag) return tag.includes(":") ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
  const ref = parseReference(fromImage);
  if (ref.tag === undefined && ref.digest === undefined) {
    throw new EngineError("NotImplemented", `pull ${fromImage}: pulling all tags of a repository is not supported; name a tag (${fromImage}:latest)`);
  }
  return fromImage;
}

/** The canonical names a push sends: one tag, or every local tag of the repository. */
function pushTargets(images: ImageService, name: string, tag: string | undefined): string[] {
  const ref = parseReference(name);
  if (ref.digest !== undefined) throw invalidArgument(`push ${name}: cannot push a digest reference`);
  if (tag) ref.tag = tag;
  if (ref.tag !== undefined) {
    const full = formatReference(ref);
    if (!images.records.byName(full)) throw notFound(`An image does not exist locally with the tag: ${familiarString(ref)}`);
    return [full];
  }
  const repo = repositoryName(ref);
  const all = images.records.list().flatMap((r) => r.names).filter((n) => n.startsWith(`${repo}:`) && !n.includes("@")).sort();
  if (all.length === 0) throw notFound(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  return all;
}

function checkPlatform(images: ImageService, platform: string, what: string): void {
  const want = formatPlatform(parsePlatform(platform));
  const have = formatPlatform(images.platform);
  if (want !== have) throw new EngineError("NotImplemented", `${what}: platform ${want} is not supported by this daemon (it stores ${have} images only)`);
}

function createdOf(images: ImageService, ref: string): number {
  const rec = images.tryResolve(ref);
  if (!rec) throw notFound(`No such image: ${ref}`);
  const t = Date.parse(rec.created);
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

/** Whether rmi's input names the image by ID (a hex string that is also a tag is the tag). */
function isIdInput(images: ImageService, input: string, rec: ImageRecord): boolean {
  if (input.startsWith("sha256:")) return true;
  if (!/^[0-9a-f]+$/.test(input)) return false;
  try {
    return images.records.byName(formatReference(normalizeReference(input)))?.id !== rec.id;
  } catch {
    return true;
  }
}

/**
 * moby's hard conflict: deleting an image a running container uses is refused even with force
 * ("cannot be forced"); without force the ImageService's soft conflicts apply.
 */
function checkRunningUsers(images: ImageService, isRunning: ((id: string) => boolean) | undefined, input: string, rec: ImageRecord, force: boolean): void {
  if (!force || !isRunning) return;
  const running = images.records.users(rec.id).find((u) => isRunning(u.containerId));
  if (!running) return;
  const otherTags = rec.names.filter((n) => parseReference(n).digest === undefined);
  const deletes = isIdInput(images, input, rec) || otherTags.length <= 1;
  if (deletes) throw conflict(`conflict: unable to delete ${rec.id.slice(7, 19)} (cannot be forced) - image is being used by running container ${running.containerId.slice(0, 12)}`);
}

/**
 * `docker image prune`: dangling images by default, every unused image with dangling=false;
 * label / label! / until narrow it. Images a container uses are never pruned.
 */
async function pruneImages(images: ImageService, filters: Filters, emit: (a: ImageAction, id: string, attrs: Record<string, string>) => void): Promise<ImagePruneResponse> {
  const danglingOnly = !filters.get("dangling")?.has("false") && !filters.get("dangling")?.has("0");
  const rest = new Map(filters);
  rest.delete("dangling");
  const keep = imageFilter(rest, { createdOf: (ref) => createdOf(images, ref) });
  const deleted: ImageDeleteResponseItem[] = [];
  for (const s of await images.list()) {
    if (danglingOnly && s.RepoTags.length > 0) continue;
    if (images.records.users(s.Id).length > 0) continue;
    if (!keep({ id: s.Id, repoTags: s.RepoTags, repoDigests: s.RepoDigests, created: s.Created, labels: s.Labels })) continue;
    const items = await images.remove(s.Id, { force: true, noPrune: true });
    for (const it of items) {
      deleted.push(it);
      if ("Untagged" in it) emit("untag", s.Id, { name: it.Untagged });
      else emit("delete", it.Deleted, { name: it.Deleted });
    }
  }
  const gc = await images.collectGarbage();
  return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: gc.reclaimed };
}

/**
 * Registry progress listeners are synchronous; the client connection applies backpressure.
 * Messages are queued in order and written one after another; flush waits for the queue.
 */
function orderedSink(progress: ProgressFn): { push(m: JSONMessage): void; flush(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  let failed: unknown;
  return {
    push(m) {
      chain = chain.then(() => progress(m)).catch((e) => { failed ??= e; });
    },
    async flush() {
      await chain;
      if (failed !== undefined) throw failed;
    },
  };
}
