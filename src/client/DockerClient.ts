/**
 * A typed Docker Engine API client over a unix socket, used by the berth CLI and compose. It
 * talks to berthd and to a real Docker daemon alike: it negotiates the API version via /_ping
 * and reads every answer in Docker's wire formats. Errors come back as EngineErrors whose kind
 * follows the HTTP status and whose message is the daemon's own.
 */
import type { DiskUsage, DiskUsageObject, EventMessage, Info, Version, AuthConfig, AuthResponse } from "../api/types/system.js";
import { ContainersApi } from "./containers.js";
import { ExecApi } from "./exec.js";
import { ImagesApi } from "./images.js";
import { NetworksApi } from "./networks.js";
import { readJsonLines } from "./streams.js";
import { filtersParam, Transport, type FilterObject, type TransportOptions } from "./transport.js";
import { VolumesApi } from "./volumes.js";

export const DEFAULT_SOCKET = "/run/berth/docker.sock";

export interface PingResult {
  apiVersion: string;
  osType: string;
  experimental: boolean;
  builderVersion: string;
  swarm: string;
}

/** DOCKER_HOST's unix socket path, or the default; other schemes are not supported here. */
export function socketFromEnv(env: NodeJS.ProcessEnv = process.env, fallback = DEFAULT_SOCKET): string {
  const host = env.DOCKER_HOST;
  if (!host) return fallback;
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  throw new Error(`DOCKER_HOST ${host}: only unix:// sockets are supported`);
}

export class DockerClient {
  readonly transport: Transport;
  readonly containers: ContainersApi;
  readonly exec: ExecApi;
  readonly images: ImagesApi;
  readonly volumes: VolumesApi;
  readonly networks: NetworksApi;

  constructor(options: TransportOptions) {
    this.transport = new Transport(options);
    this.containers = new ContainersApi(this.transport);
    this.exec = new ExecApi(this.transport);
    this.images = new ImagesApi(this.transport);
    this.volumes = new VolumesApi(this.transport);
    this.networks = new NetworksApi(this.transport);
  }

  /** The negotiated API version. */
  apiVersion(): Promise<string> {
    return this.transport.apiVersion();
  }

  async ping(): Promise<PingResult> {
    const res = await this.transport.request("GET", "/_ping");
    res.resume();
    const h = (n: string) => String(res.headers[n] ?? "");
    return { apiVersion: h("api-version"), osType: h("ostype"), experimental: h("docker-experimental") === "true", builderVersion: h("builder-version"), swarm: h("swarm") };
  }

  version(): Promise<Version> {
    return this.transport.json("GET", "/version");
  }

  info(): Promise<Info> {
    return this.transport.json("GET", "/info");
  }

  diskUsage(types?: DiskUsageObject[]): Promise<DiskUsage> {
    return this.transport.json("GET", "/system/df", { query: { type: types } });
  }

  auth(config: AuthConfig): Promise<AuthResponse> {
    return this.transport.json("POST", "/auth", { body: config });
  }

  /** Events until `until`, or until `signal` aborts. */
  async events(o: { since?: string; until?: string; filters?: FilterObject; signal?: AbortSignal } = {}): Promise<AsyncGenerator<EventMessage>> {
    const res = await this.transport.request("GET", "/events", { query: { since: o.since, until: o.until, filters: filtersParam(o.filters) }, signal: o.signal });
    return readJsonLines<EventMessage>(res);
  }

  close(): void {
    this.transport.close();
  }
}
