/**
 * HTTP over the daemon's unix socket: requests with the negotiated `/vX.Y` prefix, JSON in and
 * out, error answers turned into EngineErrors, and hijacked connections for attach/exec.
 * Version negotiation follows the Docker client: ping once, then use the lower of our maximum
 * and the daemon's `Api-Version` (a daemon that does not say is taken to speak 1.24).
 */
import type { Readable } from "node:stream";
import { Http1Client, type Headers, type HttpResponse } from "./http1.js";
import { EngineError } from "../errors/EngineError.js";
import { compareVersions, MAX_API_VERSION, MIN_API_VERSION } from "../api/version.js";
import { formatFilters } from "../api/filters.js";
import { errorFromResponse } from "./errors.js";
import { HijackedStream } from "./hijacked-stream.js";

export type QueryValue = string | number | boolean | readonly string[] | undefined | null;
export type QueryObject = Record<string, QueryValue>;
export type FilterObject = Record<string, readonly string[]>;

export interface TransportOptions {
  socketPath: string;
  /** Pin the API version (no negotiation). */
  apiVersion?: string;
  /** Highest version this client asks for when negotiating (default: the version berth serves). */
  maxApiVersion?: string;
  userAgent?: string;
}

export interface RequestOptions {
  query?: QueryObject;
  /** JSON-encoded unless it is a Readable (streamed as-is, e.g. a tar). */
  body?: unknown;
  headers?: Headers;
  signal?: AbortSignal;
  /** Statuses that are not errors besides 2xx (e.g. 304 for start/stop). */
  okStatuses?: readonly number[];
}

export function buildQuery(q: QueryObject | undefined): string {
  if (!q) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else if (typeof v === "boolean") p.set(k, v ? "1" : "0");
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? "?" + s : "";
}

/** The `filters` query value, or undefined when there are none. */
export function filtersParam(f: FilterObject | undefined): string | undefined {
  if (!f || Object.keys(f).length === 0) return undefined;
  return formatFilters(f);
}

function isReadable(x: unknown): x is Readable {
  return typeof x === "object" && x !== null && typeof (x as Readable).pipe === "function" && typeof (x as Readable).read === "function";
}

export class Transport {
  private readonly http: Http1Client;
  private negotiated: Promise<string> | null;

  constructor(private readonly options: TransportOptions) {
    this.http = new Http1Client(options.socketPath);
    this.negotiated = options.apiVersion ? Promise.resolve(options.apiVersion) : null;
  }

  /** The API version in use, negotiating it on first use. */
  apiVersion(): Promise<string> {
    if (!this.negotiated) {
      this.negotiated = this.negotiate().catch((e) => { this.negotiated = null; throw e; });
    }
    return this.negotiated;
  }

  private async negotiate(): Promise<string> {
    const res = await this.send("GET", "/_ping", {}, false);
    res.resume();
    const header = res.headers["api-version"];
    const server = (Array.isArray(header) ? header[0] : header) || MIN_API_VERSION;
    const mine = this.options.maxApiVersion ?? MAX_API_VERSION;
    return compareVersions(server, mine) < 0 ? server : mine;
  }

  close(): void {
    this.http.close();
  }

  /** Sends a request; answers >= 400 (and unexpected 3xx) become EngineErrors. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const res = await this.send(method, path, opts, true);
    const status = res.statusCode ?? 0;
    if ((status >= 200 && status < 300) || opts.okStatuses?.includes(status)) return res;
    throw await errorFromResponse(res);
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    const chunks: Buffer[] = [];
    for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString("utf8");
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new EngineError("Internal", `${method} ${path}: daemon sent invalid JSON: ${(e as Error).message}`);
    }
  }

  /** A request whose body does not matter; returns the status. */
  async empty(method: string, path: string, opts: RequestOptions = {}): Promise<number> {
    const res = await this.request(method, path, opts);
    res.resume();
    await new Promise<void>((resolve) => (res.complete ? resolve() : res.once("end", resolve).once("close", resolve)));
    return res.statusCode ?? 0;
  }

  private async send(method: string, path: string, opts: RequestOptions, versioned: boolean): Promise<HttpResponse> {
    const prefix = versioned ? `/v${await this.apiVersion()}` : "";
    const headers: Headers = { "User-Agent": this.options.userAgent ?? "berth-client", ...opts.headers };
    let body: Buffer | Readable | undefined;
    if (isReadable(opts.body)) {
      body = opts.body;
      if (!Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) headers["Content-Type"] = "application/x-tar";
    } else if (opts.body !== undefined) {
      body = Buffer.from(JSON.stringify(opts.body));
      headers["Content-Type"] = "application/json";
    }
    return this.http.request({ method, path: prefix + path + buildQuery(opts.query), headers, body, signal: opts.signal })
      .catch((e: Error) => { throw connectionError(e, this.options.socketPath); });
  }

  /**
   * Attach/exec: asks to upgrade the connection and returns the raw duplex stream. A daemon that
   * answers 200 instead of 101 (pre-upgrade protocol) gives an output-only stream.
   */
  async hijack(path: string, opts: RequestOptions & { multiplexed: boolean }): Promise<HijackedStream> {
    const fullPath = `/v${await this.apiVersion()}${path}${buildQuery(opts.query)}`;
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Headers = { "User-Agent": this.options.userAgent ?? "berth-client", Connection: "Upgrade", Upgrade: "tcp", ...opts.headers };
    if (body) headers["Content-Type"] = "application/json";
    const res = await this.http.request({ method: "POST", path: fullPath, headers, body, signal: opts.signal, upgrade: true })
      .catch((e: Error) => { throw connectionError(e, this.options.socketPath); });
    const ct = String(res.headers["content-type"] ?? "");
    if (res.statusCode === 101) return new HijackedStream(res.socket, ct, opts.multiplexed, true);
    if (res.statusCode !== 200) throw await errorFromResponse(res);
    return new HijackedStream(res.socket, ct, opts.multiplexed, false, res);
  }
}

function connectionError(e: Error, socketPath: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ECONNREFUSED") {
    return new EngineError("Unavailable", `connect to ${socketPath}: Cannot connect to the daemon. Is it running? (${code})`, { cause: e });
  }
  if (e.name === "AbortError") return e;
  return new EngineError("Unavailable", `request to ${socketPath}: ${e.message}`, { cause: e });
}
