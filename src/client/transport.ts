/**
 * HTTP over the daemon's unix socket: requests with the negotiated `/vX.Y` prefix, JSON in and
 * out, error answers turned into EngineErrors, and hijacked connections for attach/exec.
 * Version negotiation follows the Docker client: ping once, then use the lower of our maximum
 * and the daemon's `Api-Version` (a daemon that does not say is taken to speak 1.24).
 */
import { Agent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions as HttpRequestOptions } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
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
  headers?: OutgoingHttpHeaders;
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
  private readonly agent: Agent;
  private negotiated: Promise<string> | null;

  constructor(private readonly options: TransportOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 16 });
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
    this.agent.destroy();
  }

  /** Sends a request; answers >= 400 (and unexpected 3xx) become EngineErrors. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
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

  private async send(method: string, path: string, opts: RequestOptions, versioned: boolean): Promise<IncomingMessage> {
    const prefix = versioned ? `/v${await this.apiVersion()}` : "";
    const headers: OutgoingHttpHeaders = { "User-Agent": this.options.userAgent ?? "berth-client", ...opts.headers };
    let payload: Buffer | null = null;
    const stream = isReadable(opts.body) ? opts.body : null;
    if (!stream && opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = payload.length;
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      const options: HttpRequestOptions & { servername: string } = {
        socketPath: this.options.socketPath, agent: this.agent, method, path: prefix + path + buildQuery(opts.query),
        headers, signal: opts.signal,
        // No TLS here, but without a servername the agent derives one from the host, and its first
        // isIPv6 test compiles a large regular expression (~3 ms of a CLI command's start).
        servername: "",
      };
      const req = httpRequest(options);
      req.once("response", resolve);
      req.once("error", (e) => reject(connectionError(e, this.options.socketPath)));
      if (stream) {
        if (!headers["Content-Type"]) req.setHeader("Content-Type", "application/x-tar");
        pipeline(stream, req).catch((e) => { req.destroy(e); });
      } else {
        req.end(payload ?? undefined);
      }
    });
  }

  /**
   * Attach/exec: asks to upgrade the connection and returns the raw duplex stream. A daemon that
   * answers 200 instead of 101 (pre-upgrade protocol) gives an output-only stream.
   */
  async hijack(path: string, opts: RequestOptions & { multiplexed: boolean }): Promise<HijackedStream> {
    const fullPath = `/v${await this.apiVersion()}${path}${buildQuery(opts.query)}`;
    const payload = opts.body === undefined ? null : Buffer.from(JSON.stringify(opts.body));
    const headers: OutgoingHttpHeaders = { "User-Agent": this.options.userAgent ?? "berth-client", Connection: "Upgrade", Upgrade: "tcp", ...opts.headers };
    if (payload) { headers["Content-Type"] = "application/json"; headers["Content-Length"] = payload.length; }
    return new Promise<HijackedStream>((resolve, reject) => {
      const req = httpRequest({ socketPath: this.options.socketPath, agent: false, method: "POST", path: fullPath, headers, signal: opts.signal });
      req.once("upgrade", (res, socket, head) => {
        if (head.length) socket.unshift(head);
        const ct = String(res.headers["content-type"] ?? "");
        resolve(new HijackedStream(socket, ct, opts.multiplexed, true));
      });
      req.once("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) return void errorFromResponse(res).then(reject, reject);
        resolve(new HijackedStream(res.socket, String(res.headers["content-type"] ?? ""), opts.multiplexed, false, res));
      });
      req.once("error", (e) => reject(connectionError(e, this.options.socketPath)));
      req.end(payload ?? undefined);
    });
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
