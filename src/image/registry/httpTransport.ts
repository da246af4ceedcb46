import * as http from "node:http";
import * as https from "node:https";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { EngineError } from "../../errors/EngineError.js";

/**
 * One HTTP exchange with node:http/https (no dependencies): keep-alive agents per client,
 * an idle-socket timeout, redirects followed for body-less requests (blob URLs redirect to
 * storage; credentials are dropped when the redirect leaves the registry's origin).
 */
export interface TlsMaterial { ca?: Buffer[]; cert?: Buffer; key?: Buffer }

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a stream whose length is given in the Content-Length header. */
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The final URL after redirects. */
  url: URL;
}

export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(tls: TlsMaterial = {}, private readonly idleTimeoutMs = 60_000) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: tls.ca, cert: tls.cert, key: tls.key });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Sends one request, following up to 10 redirects when the request has no body. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let headers = { ...(req.headers ?? {}) };
    for (let hop = 0; ; hop++) {
      const res = await this.once({ ...req, url, headers });
      const loc = res.headers.location;
      if (req.body === undefined && [301, 302, 303, 307, 308].includes(res.status) && loc) {
        res.body.resume();
        if (hop >= 10) throw new EngineError("Unavailable", `${req.method} ${req.url.href}: too many redirects`);
        const next = new URL(loc, url);
        if (next.origin !== url.origin) {
          // Storage backends sign their own URLs; the registry's token must not leak there.
          const { Authorization: _a, authorization: _b, ...rest } = headers;
          headers = rest;
        }
        url = next;
        continue;
      }
      return res;
    }
  }

  private once(req: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const mod = req.url.protocol === "https:" ? https : http;
      const agent = req.url.protocol === "https:" ? this.httpsAgent : this.httpAgent;
      const r = mod.request(req.url, { method: req.method, headers: req.headers, agent, signal: req.signal }, (res) => {
        res.setTimeout(this.idleTimeoutMs, () => res.destroy(Object.assign(new Error(`${req.method} ${req.url.href}: response stalled for ${this.idleTimeoutMs} ms`), { code: "ETIMEDOUT" })));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url });
      });
      r.setTimeout(this.idleTimeoutMs, () => r.destroy(Object.assign(new Error(`${req.method} ${req.url.href}: no response in ${this.idleTimeoutMs} ms`), { code: "ETIMEDOUT" })));
      r.on("error", reject);
      if (req.body === undefined) r.end();
      else if (Buffer.isBuffer(req.body)) r.end(req.body);
      else {
        req.body.on("error", (e) => r.destroy(e));
        req.body.pipe(r);
      }
    });
  }
}

/** Reads a whole (small) response body, refusing more than `limit` bytes. */
export async function readBody(res: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new EngineError("InvalidArgument", `read registry response: body larger than ${limit} bytes`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Network failures worth retrying: the peer went away or stalled. */
export function isTransientNetworkError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ETIMEDOUT" || code === "ECONNREFUSED" || code === "EAI_AGAIN" || code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ECONNABORTED" || code === "UND_ERR_SOCKET" || (e instanceof Error && e.message === "aborted");
}

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 502 || status === 503 || status === 504;
}
