/**
 * Image calls of the Docker API. Names go into the path unescaped except for characters a URL
 * path cannot carry, as the Docker client does: `/` and `:` stay, the daemon matches greedily.
 */
import type { Readable } from "node:stream";
import type {
  ImageDeleteResponseItem, ImageHistoryItem, ImageInspect, ImagePruneResponse, ImageSummary,
} from "../api/types/image.js";
import type { JSONMessage } from "../api/types/progress.js";
import type { AuthConfig } from "../api/types/system.js";
import { readProgress } from "./streams.js";
import { filtersParam, type FilterObject, type Transport } from "./transport.js";

/** Encodes a reference for the path, keeping `/`, `:` and `@` readable. */
export function encodeImageName(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, "/").replace(/%3A/gi, ":").replace(/%40/gi, "@");
}

/** X-Registry-Auth: base64url JSON of the credentials (what the daemon decodes). */
export function encodeRegistryAuth(auth: AuthConfig): string {
  return Buffer.from(JSON.stringify(auth)).toString("base64url");
}

export interface ListImagesOptions { all?: boolean; filters?: FilterObject; sharedSize?: boolean; digests?: boolean; manifests?: boolean }

export class ImagesApi {
  constructor(private readonly t: Transport) {}

  list(o: ListImagesOptions = {}): Promise<ImageSummary[]> {
    return this.t.json("GET", "/images/json", {
      query: { all: o.all, filters: filtersParam(o.filters), "shared-size": o.sharedSize, digests: o.digests, manifests: o.manifests },
    });
  }

  inspect(name: string): Promise<ImageInspect> {
    return this.t.json("GET", `/images/${encodeImageName(name)}/json`);
  }

  history(name: string): Promise<ImageHistoryItem[]> {
    return this.t.json("GET", `/images/${encodeImageName(name)}/history`);
  }

  /** Pull progress; the iteration throws the daemon's error if the pull fails mid-way. */
  async pull(image: string, o: { tag?: string; platform?: string; auth?: AuthConfig; signal?: AbortSignal } = {}): Promise<AsyncGenerator<JSONMessage>> {
    const res = await this.t.request("POST", "/images/create", {
      query: { fromImage: image, tag: o.tag, platform: o.platform },
      headers: o.auth ? { "X-Registry-Auth": encodeRegistryAuth(o.auth) } : undefined, signal: o.signal,
    });
    return readProgress(res);
  }

  async import(tar: Readable, o: { repo?: string; tag?: string; message?: string; changes?: string[]; platform?: string } = {}): Promise<AsyncGenerator<JSONMessage>> {
    const res = await this.t.request("POST", "/images/create", {
      query: { fromSrc: "-", repo: o.repo, tag: o.tag, message: o.message, changes: o.changes, platform: o.platform }, body: tar,
    });
    return readProgress(res);
  }

  async push(name: string, o: { tag?: string; auth?: AuthConfig; signal?: AbortSignal } = {}): Promise<AsyncGenerator<JSONMessage>> {
    const res = await this.t.request("POST", `/images/${encodeImageName(name)}/push`, {
      query: { tag: o.tag }, headers: { "X-Registry-Auth": encodeRegistryAuth(o.auth ?? {}) }, signal: o.signal,
    });
    return readProgress(res);
  }

  async tag(name: string, repo: string, tag?: string): Promise<void> {
    await this.t.empty("POST", `/images/${encodeImageName(name)}/tag`, { query: { repo, tag } });
  }

  remove(name: string, o: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteResponseItem[]> {
    return this.t.json("DELETE", `/images/${encodeImageName(name)}`, { query: { force: o.force, noprune: o.noprune } });
  }

  save(names: readonly string[], signal?: AbortSignal): Promise<Readable> {
    return this.t.request("GET", "/images/get", { query: { names }, signal });
  }

  async load(tar: Readable, o: { quiet?: boolean } = {}): Promise<AsyncGenerator<JSONMessage>> {
    const res = await this.t.request("POST", "/images/load", { query: { quiet: o.quiet }, body: tar, headers: { "Content-Type": "application/x-tar" } });
    return readProgress(res);
  }

  prune(filters?: FilterObject): Promise<ImagePruneResponse> {
    return this.t.json("POST", "/images/prune", { query: { filters: filtersParam(filters) } });
  }
}
