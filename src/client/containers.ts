/** Container calls of the Docker API. */
import type { Readable } from "node:stream";
import type {
  ContainerCreateRequest, ContainerCreateResponse, ContainerInspect, ContainerPruneResponse, ContainerSummary,
  ContainerTopResponse, ContainerUpdateRequest, ContainerUpdateResponse, ContainerWaitResponse, FilesystemChange,
  PathStat, StatsResponse, WaitCondition,
} from "../api/types/container.js";
import { EngineError } from "../errors/EngineError.js";
import type { HijackedStream } from "./hijacked-stream.js";
import { readJsonLines, readOutput, type OutputChunk } from "./streams.js";
import { filtersParam, type FilterObject, type Transport } from "./transport.js";

const enc = encodeURIComponent;

export interface ListContainersOptions { all?: boolean; limit?: number; size?: boolean; filters?: FilterObject }
export interface LogsOptions {
  follow?: boolean; stdout?: boolean; stderr?: boolean; since?: string; until?: string;
  timestamps?: boolean; tail?: string; details?: boolean; signal?: AbortSignal;
}
export interface AttachOptions { stream?: boolean; logs?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean; detachKeys?: string }

export class ContainersApi {
  constructor(private readonly t: Transport) {}

  list(o: ListContainersOptions = {}): Promise<ContainerSummary[]> {
    return this.t.json("GET", "/containers/json", { query: { all: o.all, limit: o.limit, size: o.size, filters: filtersParam(o.filters) } });
  }

  create(config: ContainerCreateRequest, o: { name?: string; platform?: string } = {}): Promise<ContainerCreateResponse> {
    return this.t.json("POST", "/containers/create", { query: { name: o.name, platform: o.platform }, body: config });
  }

  inspect(id: string, o: { size?: boolean } = {}): Promise<ContainerInspect> {
    return this.t.json("GET", `/containers/${enc(id)}/json`, { query: { size: o.size } });
  }

  /** False when the container was already running (304). */
  async start(id: string, o: { detachKeys?: string } = {}): Promise<boolean> {
    return (await this.t.empty("POST", `/containers/${enc(id)}/start`, { query: { detachKeys: o.detachKeys }, okStatuses: [304] })) !== 304;
  }

  /** False when the container was already stopped (304). */
  async stop(id: string, o: { timeout?: number; signal?: string } = {}): Promise<boolean> {
    return (await this.t.empty("POST", `/containers/${enc(id)}/stop`, { query: { t: o.timeout, signal: o.signal }, okStatuses: [304] })) !== 304;
  }

  async restart(id: string, o: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.t.empty("POST", `/containers/${enc(id)}/restart`, { query: { t: o.timeout, signal: o.signal } });
  }

  async kill(id: string, signal?: string): Promise<void> {
    await this.t.empty("POST", `/containers/${enc(id)}/kill`, { query: { signal } });
  }

  async remove(id: string, o: { force?: boolean; volumes?: boolean; link?: boolean } = {}): Promise<void> {
    await this.t.empty("DELETE", `/containers/${enc(id)}`, { query: { force: o.force, v: o.volumes, link: o.link } });
  }

  async rename(id: string, name: string): Promise<void> {
    await this.t.empty("POST", `/containers/${enc(id)}/rename`, { query: { name } });
  }

  async pause(id: string): Promise<void> {
    await this.t.empty("POST", `/containers/${enc(id)}/pause`);
  }

  async unpause(id: string): Promise<void> {
    await this.t.empty("POST", `/containers/${enc(id)}/unpause`);
  }

  update(id: string, update: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
    return this.t.json("POST", `/containers/${enc(id)}/update`, { body: update });
  }

  top(id: string, psArgs?: string): Promise<ContainerTopResponse> {
    return this.t.json("GET", `/containers/${enc(id)}/top`, { query: { ps_args: psArgs } });
  }

  changes(id: string): Promise<FilesystemChange[] | null> {
    return this.t.json("GET", `/containers/${enc(id)}/changes`);
  }

  prune(filters?: FilterObject): Promise<ContainerPruneResponse> {
    return this.t.json("POST", "/containers/prune", { query: { filters: filtersParam(filters) } });
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    await this.t.empty("POST", `/containers/${enc(id)}/resize`, { query: { h: height, w: width } });
  }

  /**
   * Waits for the condition. The daemon flushes the 200 once the wait is registered; `onReady`
   * runs then (so `run` can start the container without missing a fast exit).
   */
  async wait(id: string, o: { condition?: WaitCondition; signal?: AbortSignal; onReady?: () => void } = {}): Promise<ContainerWaitResponse> {
    const res = await this.t.request("POST", `/containers/${enc(id)}/wait`, { query: { condition: o.condition }, signal: o.signal });
    o.onReady?.();
    for await (const v of readJsonLines<ContainerWaitResponse>(res)) return v;
    throw new EngineError("Internal", `wait for ${id}: daemon closed the connection without a result`);
  }

  /** Log output; multiplexed unless the container has a TTY (checked first, like the CLI). */
  async logs(id: string, o: LogsOptions = {}): Promise<AsyncGenerator<OutputChunk>> {
    const info = await this.inspect(id);
    const res = await this.t.request("GET", `/containers/${enc(id)}/logs`, {
      query: {
        follow: o.follow, stdout: o.stdout ?? true, stderr: o.stderr ?? true, since: o.since, until: o.until,
        timestamps: o.timestamps, tail: o.tail, details: o.details,
      },
      signal: o.signal,
    });
    return readOutput(res, !info.Config.Tty);
  }

  /** Attach; the TTY setting (from inspect) decides whether output is framed. */
  async attach(id: string, o: AttachOptions = { stream: true, stdin: true, stdout: true, stderr: true }): Promise<HijackedStream> {
    const info = await this.inspect(id);
    return this.t.hijack(`/containers/${enc(id)}/attach`, {
      query: { stream: o.stream, logs: o.logs, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, detachKeys: o.detachKeys },
      multiplexed: !info.Config.Tty,
    });
  }

  /** One sample (stream false) or a stream of samples. */
  async stats(id: string, o: { stream?: boolean; oneShot?: boolean; signal?: AbortSignal } = {}): Promise<AsyncGenerator<StatsResponse>> {
    const res = await this.t.request("GET", `/containers/${enc(id)}/stats`, { query: { stream: o.stream ?? false, "one-shot": o.oneShot }, signal: o.signal });
    return readJsonLines<StatsResponse>(res);
  }

  export(id: string, signal?: AbortSignal): Promise<Readable> {
    return this.t.request("GET", `/containers/${enc(id)}/export`, { signal });
  }

  async statPath(id: string, path: string): Promise<PathStat> {
    const res = await this.t.request("HEAD", `/containers/${enc(id)}/archive`, { query: { path } });
    res.resume();
    return decodeStat(res.headers["x-docker-container-path-stat"]);
  }

  async getArchive(id: string, path: string, signal?: AbortSignal): Promise<{ stat: PathStat; tar: Readable }> {
    const res = await this.t.request("GET", `/containers/${enc(id)}/archive`, { query: { path }, signal });
    return { stat: decodeStat(res.headers["x-docker-container-path-stat"]), tar: res };
  }

  async putArchive(id: string, path: string, tar: Readable, o: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<void> {
    await this.t.empty("PUT", `/containers/${enc(id)}/archive`, {
      query: { path, noOverwriteDirNonDir: o.noOverwriteDirNonDir, copyUIDGID: o.copyUIDGID }, body: tar,
      headers: { "Content-Type": "application/x-tar" },
    });
  }
}

function decodeStat(h: string | string[] | undefined): PathStat {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) throw new EngineError("Internal", "stat path: daemon sent no X-Docker-Container-Path-Stat header");
  return JSON.parse(Buffer.from(v, "base64").toString("utf8")) as PathStat;
}
