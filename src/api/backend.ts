/**
 * The narrow interfaces the API routes call (moby api/server/router/<resource>/backend.go).
 * Handlers parse the request, call one of these, and write the answer; everything about how a
 * container or image actually works lives behind them (src/engine). Methods throw EngineError;
 * the kind becomes the HTTP status (http-status.ts).
 *
 * Streaming methods take an AbortSignal that fires when the client goes away, so the engine
 * can stop following logs/stats/events and release what it holds.
 */
import type { Readable, Writable } from "node:stream";
import type { Filters } from "./filters.js";
import type { JSONMessage } from "./types/progress.js";
import type {
  AuthConfig, AuthResponse, DiskUsage, DiskUsageObject, EngineInfo, EventMessage,
} from "./types/system.js";
import type {
  ContainerConfig, ContainerCreateOptions, ContainerCreateRequest, ContainerCreateResponse, ContainerInspect,
  ContainerListOptions, ContainerPruneResponse, ContainerSummary, ContainerTopResponse,
  ContainerUpdateRequest, ContainerUpdateResponse, ContainerWaitResponse, FilesystemChange,
  PathStat, StatsResponse, WaitCondition,
} from "./types/container.js";
import type { ExecConfig, ExecInspect } from "./types/exec.js";
import type {
  ImageDeleteResponseItem, ImageHistoryItem, ImageImportOptions, ImageInspect, ImageListOptions,
  ImagePruneResponse, ImagePullOptions, ImagePushOptions, ImageSummary,
} from "./types/image.js";
import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumePruneResponse } from "./types/volume.js";
import type {
  NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse, NetworkDisconnectRequest,
  NetworkPruneResponse, NetworkResource,
} from "./types/network.js";

/** Where progress messages go (pull/push/load/import). Resolves once the client took it. */
export type ProgressFn = (msg: JSONMessage) => Promise<void>;

/**
 * `since`/`until` are passed as sent, already checked to be Unix seconds with an optional
 * fraction ("1700000000.5"); `parseTimestamp` in timestamps.ts reads them.
 */
export interface EventsOptions { since?: string; until?: string; filters: Filters }

export interface SystemBackend {
  info(): Promise<EngineInfo>;
  diskUsage(objects: readonly DiskUsageObject[], signal: AbortSignal): Promise<DiskUsage>;
  /** Checks credentials against a registry (POST /auth). */
  auth(config: AuthConfig, signal: AbortSignal): Promise<AuthResponse>;
  /**
   * Events matching the options. The iterator ends at `until` (if given) or when `signal` fires.
   * Throwing before the first event yields an HTTP error; the 200 is flushed right after.
   */
  events(options: EventsOptions, signal: AbortSignal): Promise<AsyncIterable<EventMessage>>;
}

/** One chunk of container output. */
export interface OutputChunk { stream: "stdout" | "stderr"; data: Buffer }

export interface LogsOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** As sent, checked like EventsOptions.since. */
  since?: string;
  until?: string;
  timestamps: boolean;
  /** "all" or a line count, as sent ("all" when absent); `parseTail` reads it. */
  tail: string;
  details: boolean;
}

/** Logs of an existing container: whether it has a TTY (raw output) and the entries. */
export interface LogStream {
  tty: boolean;
  chunks: AsyncIterable<OutputChunk>;
  /**
   * Optional: the same output already in wire form, in large batches — stdcopy frames (one per
   * message) without a TTY, raw bytes with one. Written as is when present (one write per batch
   * instead of one per message); `chunks` is then never read.
   */
  encoded?: AsyncIterable<Buffer>;
}

export interface AttachOptions {
  stream: boolean;
  logs: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys?: string;
}

/**
 * The connection streams an attach or exec works with, handed out after the HTTP connection
 * was hijacked. stdin ends when the client half-closes its write side. stdout/stderr frame the
 * data when the stream is multiplexed (no TTY); with a TTY both are raw and stderr is stdout.
 * Ending them does not close the connection: the server closes it when the backend's promise
 * settles.
 */
export interface AttachedStreams { stdin: Readable | null; stdout: Writable | null; stderr: Writable | null }

/**
 * Called by the backend once it has checked the request (container exists and is running, ...)
 * and knows whether the process has a TTY. Errors thrown before calling it become ordinary HTTP
 * errors; after it, they are reported inside the stream.
 */
export type OpenStreams = (tty: boolean) => AttachedStreams;

export interface StopOptions { signal?: string; timeout?: number }

/** Start/stop of a container already in the requested state is a 304 in Docker. */
export type ChangeResult = "done" | "notModified";

export interface RemoveOptions { force: boolean; removeVolumes: boolean; removeLink: boolean }

/** A wait that is already registered: headers go out, then `result` settles. */
export interface PendingWait { result: Promise<ContainerWaitResponse> }

/** `POST /commit` (docker commit): query parameters as sent, `config` the request body. */
export interface CommitRequest {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Freeze a running container during the copy (Docker's default). */
  pause: boolean;
  /** Dockerfile instructions (`--change`), applied on `config`. */
  changes: string[];
  config?: ContainerConfig;
}

export interface ContainerBackend {
  list(options: ContainerListOptions): Promise<ContainerSummary[]>;
  create(config: ContainerCreateRequest, options: ContainerCreateOptions): Promise<ContainerCreateResponse>;
  inspect(id: string, options: { size: boolean }): Promise<ContainerInspect>;
  start(id: string, options: { detachKeys?: string }): Promise<ChangeResult>;
  stop(id: string, options: StopOptions): Promise<ChangeResult>;
  restart(id: string, options: StopOptions): Promise<void>;
  kill(id: string, signal: string | undefined): Promise<void>;
  remove(id: string, options: RemoveOptions): Promise<void>;
  rename(id: string, newName: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  update(id: string, update: ContainerUpdateRequest): Promise<ContainerUpdateResponse>;
  top(id: string, psArgs: string | undefined): Promise<ContainerTopResponse>;
  changes(id: string): Promise<FilesystemChange[]>;
  prune(filters: Filters): Promise<ContainerPruneResponse>;
  resize(id: string, height: number, width: number): Promise<void>;
  /** Registers the wait and returns before the container exits (see PendingWait). */
  wait(id: string, condition: WaitCondition, signal: AbortSignal): Promise<PendingWait>;
  logs(id: string, options: LogsOptions, signal: AbortSignal): Promise<LogStream>;
  /** Resolves when the attach session is over (process exited, detach, or client gone). */
  attach(id: string, options: AttachOptions, open: OpenStreams, signal: AbortSignal): Promise<void>;
  /** Stats objects; one when `stream` is false. */
  stats(id: string, options: { stream: boolean; oneShot: boolean }, signal: AbortSignal): Promise<AsyncIterable<StatsResponse>>;
  /** The container filesystem as a tar stream. */
  export(id: string, signal: AbortSignal): Promise<Readable>;
  archiveStat(id: string, path: string): Promise<PathStat>;
  archiveGet(id: string, path: string, signal: AbortSignal): Promise<{ stat: PathStat; tar: Readable }>;
  /** Extracts `tar` at `path` inside the container. */
  archivePut(id: string, path: string, tar: Readable, options: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void>;
  /** `docker commit`: the container's changes as a new image; answers its ID. */
  commit?(request: CommitRequest): Promise<{ Id: string }>;
}

export interface ExecBackend {
  create(containerId: string, config: ExecConfig): Promise<{ Id: string }>;
  inspect(execId: string): Promise<ExecInspect>;
  resize(execId: string, height: number, width: number): Promise<void>;
  /** Detached start: returns once the process is running. */
  startDetached(execId: string): Promise<void>;
  /** Attached start: like ContainerBackend.attach, resolves when the process exited. */
  start(execId: string, options: { tty: boolean; consoleSize?: [number, number] }, open: OpenStreams, signal: AbortSignal): Promise<void>;
}

export interface ImageBackend {
  list(options: ImageListOptions): Promise<ImageSummary[]>;
  inspect(name: string): Promise<ImageInspect>;
  history(name: string, options: { platform?: string }): Promise<ImageHistoryItem[]>;
  pull(options: ImagePullOptions, progress: ProgressFn, signal: AbortSignal): Promise<void>;
  import(options: ImageImportOptions, source: Readable | null, progress: ProgressFn, signal: AbortSignal): Promise<void>;
  push(options: ImagePushOptions, progress: ProgressFn, signal: AbortSignal): Promise<void>;
  tag(name: string, repo: string, tag: string | undefined): Promise<void>;
  remove(name: string, options: { force: boolean; noprune: boolean }): Promise<ImageDeleteResponseItem[]>;
  /** `docker save`: one tar stream holding all the named images. */
  save(names: readonly string[], signal: AbortSignal): Promise<Readable>;
  /** `docker load`: reads the tar; progress messages report what was loaded. */
  load(tar: Readable, options: { quiet: boolean }, progress: ProgressFn, signal: AbortSignal): Promise<void>;
  prune(filters: Filters): Promise<ImagePruneResponse>;
}

export interface VolumeBackend {
  list(filters: Filters): Promise<VolumeListResponse>;
  create(request: VolumeCreateRequest): Promise<Volume>;
  inspect(name: string): Promise<Volume>;
  remove(name: string, options: { force: boolean }): Promise<void>;
  prune(filters: Filters): Promise<VolumePruneResponse>;
}

export interface NetworkBackend {
  list(filters: Filters): Promise<NetworkResource[]>;
  inspect(id: string, options: { verbose: boolean; scope?: string }): Promise<NetworkResource>;
  create(request: NetworkCreateRequest): Promise<NetworkCreateResponse>;
  remove(id: string): Promise<void>;
  connect(id: string, request: NetworkConnectRequest): Promise<void>;
  disconnect(id: string, request: NetworkDisconnectRequest): Promise<void>;
  prune(filters: Filters): Promise<NetworkPruneResponse>;
}

/** Everything the API serves; each part is optional so the daemon can grow route by route. */
export interface Backends {
  system?: SystemBackend;
  containers?: ContainerBackend;
  exec?: ExecBackend;
  images?: ImageBackend;
  volumes?: VolumeBackend;
  networks?: NetworkBackend;
}
