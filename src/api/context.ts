/**
 * Everything a route handler needs about one request, and the ways to answer it: JSON, empty,
 * a streamed body, or a hijacked connection. Requests that asked to upgrade arrive without a
 * node ServerResponse (node hands over the raw socket); one is built on demand so ordinary
 * answers (errors, mostly) work the same on both paths.
 */
import { ServerResponse, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import type { Params } from "./router.js";
import { Query } from "./query.js";
import { readJsonBody, parseJsonBody, DEFAULT_JSON_BODY_LIMIT } from "./request-body.js";
import { HijackedSession, hijackStatusLines, MEDIA_MULTIPLEXED_STREAM, MEDIA_RAW_STREAM } from "./streams/hijack.js";
import { versionAtLeast } from "./version.js";
import { invalidArgument } from "../errors/EngineError.js";

export interface UpgradeConnection {
  socket: Socket;
  /** The request body, already read off the socket (upgrade requests bypass node's body parsing). */
  body: Buffer;
}

export interface ContextInit {
  req: IncomingMessage;
  res: ServerResponse | null;
  upgrade: UpgradeConnection | null;
  path: string;
  params: Params;
  query: URLSearchParams;
  apiVersion: string;
  commonHeaders: Readonly<Record<string, string>>;
  bodyLimit?: number;
}

export class RequestContext {
  readonly req: IncomingMessage;
  readonly path: string;
  readonly params: Params;
  readonly query: Query;
  readonly apiVersion: string;
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private res: ServerResponse | null;
  private readonly upgrade: UpgradeConnection | null;
  private readonly commonHeaders: Readonly<Record<string, string>>;
  private readonly bodyLimit: number;
  private hijackedSession: HijackedSession | null = null;

  constructor(init: ContextInit) {
    this.req = init.req;
    this.res = init.res;
    this.upgrade = init.upgrade;
    this.path = init.path;
    this.params = init.params;
    this.query = new Query(init.query);
    this.apiVersion = init.apiVersion;
    this.commonHeaders = init.commonHeaders;
    this.bodyLimit = init.bodyLimit ?? DEFAULT_JSON_BODY_LIMIT;
    this.signal = this.abort.signal;
    const socket = init.upgrade?.socket ?? init.req.socket;
    // The client going away (before we finished) is what stops followers and streams.
    // A hijacked connection closing always ends the session; a normal one only matters when
    // the answer was not complete yet.
    const onClose = () => {
      if (this.hijackedSession || !this.res?.writableFinished) this.abort.abort();
    };
    if (init.res) init.res.once("close", onClose);
    else socket.once("close", onClose);
  }

  /** Whether the client sent the Upgrade headers of a hijack. */
  get wantsUpgrade(): boolean {
    return this.upgrade !== null;
  }

  /** Aborts the request's signal (server shutdown). */
  cancel(): void {
    this.abort.abort();
    if (this.hijackedSession) this.hijackedSession.socket.destroy();
    else this.response().destroy();
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  /** The node response, with the common headers set; built on demand for upgrade requests. */
  response(): ServerResponse {
    if (!this.res) {
      if (!this.upgrade) throw new Error("response: no response and no connection");
      const res = new ServerResponse(this.req);
      res.shouldKeepAlive = false;
      res.assignSocket(this.upgrade.socket);
      const socket = this.upgrade.socket;
      res.once("finish", () => { res.detachSocket(socket); socket.end(); socket.destroySoon(); });
      this.res = res;
      for (const [k, v] of Object.entries(this.commonHeaders)) res.setHeader(k, v);
    }
    return this.res;
  }

  /** The parsed JSON body or undefined when empty (400 on malformed JSON, 413 past the limit). */
  async json(): Promise<unknown> {
    if (this.upgrade) {
      return parseJsonBody(this.upgrade.body, this.header("content-type"), this.bodyLimit);
    }
    return readJsonBody(this.req, this.bodyLimit);
  }

  /** The body as a stream (tar uploads). */
  bodyStream(): Readable {
    if (this.upgrade) return Readable.from(this.upgrade.body.length ? [this.upgrade.body] : []);
    return this.req;
  }

  sendJson(status: number, body: unknown): void {
    const res = this.response();
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  }

  /** An answer without a body (204 No Content, 304 Not Modified, 200 with nothing to say). */
  sendEmpty(status: number): void {
    const res = this.response();
    if (status === 204 || status === 304) res.writeHead(status);
    else res.writeHead(status, { "Content-Length": "0" });
    res.end();
  }

  sendText(status: number, body: string, contentType = "text/plain; charset=utf-8"): void {
    const res = this.response();
    res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  }

  /** Starts a chunked body and flushes the headers now (clients wait for them: wait, events). */
  startStream(status: number, headers: Record<string, string>): ServerResponse {
    const res = this.response();
    res.writeHead(status, headers);
    res.flushHeaders();
    return res;
  }

  /** Content type of an attach/exec stream, by API version (framed streams are announced from 1.42). */
  streamContentType(multiplexed: boolean): string {
    return multiplexed && versionAtLeast(this.apiVersion, "1.42") ? MEDIA_MULTIPLEXED_STREAM : MEDIA_RAW_STREAM;
  }

  /** Takes over the connection for a bidirectional stream; see streams/hijack.ts. */
  hijack(multiplexed: boolean): HijackedSession {
    if (this.hijackedSession) throw new Error("hijack: connection already hijacked");
    if (this.res?.headersSent) throw invalidArgument("hijack: response already started");
    const socket = this.upgrade ? this.upgrade.socket : this.req.socket;
    const head = hijackStatusLines({ upgrade: this.upgrade !== null, contentType: this.streamContentType(multiplexed), headers: { ...this.commonHeaders } });
    socket.write(head);
    this.hijackedSession = new HijackedSession(socket, multiplexed, this.upgrade !== null);
    return this.hijackedSession;
  }

  get session(): HijackedSession | null {
    return this.hijackedSession;
  }
}

export type Handler = (ctx: RequestContext) => Promise<void>;
