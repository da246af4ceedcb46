/**
 * The Docker Engine API server: HTTP/1.1 on a unix socket. It strips and checks the `/vX.Y`
 * version prefix, sets the headers every Docker response carries, routes to a handler and turns
 * thrown EngineErrors into `{"message": ...}` bodies with the status from http-status.ts.
 *
 * Requests with `Connection: Upgrade` (attach, exec start) reach node's 'upgrade' event with the
 * raw socket instead of a response; they are routed the same way (see RequestContext).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { invalidArgument } from "../errors/EngineError.js";
import type { Backends } from "./backend.js";
import { RequestContext, type Handler, type UpgradeConnection } from "./context.js";
import { errorBody, httpErrorFrom } from "./http-status.js";
import { PayloadTooLargeError, DEFAULT_JSON_BODY_LIMIT } from "./request-body.js";
import { Router } from "./router.js";
import { registerAllRoutes } from "./routes.js";
import { removeOwnSocket, removeStaleSocket, secureSocket } from "./server-socket.js";
import { checkRequestedVersion, MAX_API_VERSION, MIN_API_VERSION, splitVersionPrefix } from "./version.js";
import { collectHostFacts, type HostFacts } from "./host-facts.js";
import { mark } from "../util/timingMarks.js";

export interface ApiServerOptions {
  socketPath: string;
  backends: Backends;
  /** Berth's version, shown in `Server:` and /version. */
  version: string;
  gitCommit?: string;
  buildTime?: string;
  /** Group allowed to use the socket (mode 0660). */
  socketGid?: number;
  /** Limit on JSON request bodies (413 past it). */
  bodyLimit?: number;
  /** How long close() lets in-flight requests finish before cutting them. */
  shutdownGraceMs?: number;
  /** Host facts for /version and /info; computed from the machine when absent. */
  hostFacts?: HostFacts;
  /**
   * Told about server-side failures (5xx answers, failures after the status went out) so the
   * daemon can log them; the server itself never prints.
   */
  onError?: (error: unknown, request: { method: string; url: string }) => void;
}

export class ApiServer {
  readonly router = new Router<Handler>();
  private readonly server: Server;
  private readonly commonHeaders: Readonly<Record<string, string>>;
  private readonly active = new Map<RequestContext, Promise<void>>();
  private readonly upgraded = new Set<Duplex>();
  private socketId: { dev: number; ino: number } | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: ApiServerOptions) {
    this.commonHeaders = {
      "Api-Version": MAX_API_VERSION,
      "Docker-Experimental": "false",
      "Ostype": "linux",
      "Server": `Berth/${options.version} (linux)`,
    };
    registerAllRoutes(this.router, options.backends, {
      version: options.version,
      gitCommit: options.gitCommit ?? "unknown",
      buildTime: options.buildTime ?? "",
      host: options.hostFacts ?? collectHostFacts(),
    });
    this.server = createServer({ noDelay: true });
    // Long uploads (docker load) and streams must not be cut by node's request timer.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.on("request", (req, res) => this.onRequest(req, res));
    this.server.on("upgrade", (req, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on("clientError", (err, socket) => this.onClientError(err, socket));
  }

  /** Connections currently open, upgraded ones included (tests check nothing leaks). */
  connectionCount(): Promise<number> {
    return new Promise((resolve, reject) => this.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
  }

  get socketPath(): string {
    return this.options.socketPath;
  }

  async listen(): Promise<void> {
    const path = this.options.socketPath;
    await removeStaleSocket(path);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once("error", onError);
      this.server.listen(path, () => {
        this.server.off("error", onError);
        resolve();
      });
    });
    try {
      this.socketId = await secureSocket(path, this.options.socketGid);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Stops accepting, lets short requests finish, cuts streams, removes the socket file. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const grace = this.options.shutdownGraceMs ?? 2000;
    const deadline = Date.now() + grace;
    while (this.active.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      this.server.closeIdleConnections();
    }
    const running = [...this.active.values()];
    for (const ctx of this.active.keys()) ctx.cancel();
    for (const s of this.upgraded) s.destroy();
    // Cancelled handlers unwind quickly (their signal fired, their sockets are gone); wait for that
    // so nothing of theirs outlives close(), but never hang shutdown on a stuck backend.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(running), new Promise((r) => (timer = setTimeout(r, grace)))]);
    clearTimeout(timer);
    this.server.closeAllConnections();
    await closed;
    await removeOwnSocket(this.options.socketPath, this.socketId);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    for (const [k, v] of Object.entries(this.commonHeaders)) res.setHeader(k, v);
    this.dispatch(req, res, null);
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.upgraded.add(socket);
    socket.once("close", () => this.upgraded.delete(socket));
    socket.on("error", () => socket.destroy());
    const limit = this.options.bodyLimit ?? DEFAULT_JSON_BODY_LIMIT;
    readUpgradeBody(req, socket, head, limit).then(
      (body) => this.dispatch(req, null, { socket, body }),
      (e) => {
        const { status, message } = e instanceof PayloadTooLargeError ? { status: 413, message: e.message } : httpErrorFrom(e);
        writeRawError(socket, status, message, this.commonHeaders);
      },
    );
  }

  private onClientError(err: Error, socket: Duplex): void {
    // Malformed HTTP: answer like node would, but with the Docker error body.
    if ((err as NodeJS.ErrnoException).code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    writeRawError(socket, 400, `bad request: ${err.message}`, this.commonHeaders);
  }

  private dispatch(req: IncomingMessage, res: ServerResponse | null, upgrade: UpgradeConnection | null): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
    const { version, path } = splitVersionPrefix(rawPath);
    const apiVersion = version ?? MAX_API_VERSION;
    const method = req.method ?? "GET";
    mark(`http: ${method} ${path.replace(/[0-9a-f]{64}/, "ID")}`);
    const match = this.router.match(method, path);
    const ctx = new RequestContext({
      req, res, upgrade, path, params: match?.params ?? {}, query, apiVersion,
      commonHeaders: this.commonHeaders, bodyLimit: this.options.bodyLimit,
    });
    if (this.closing) return this.fail(ctx, 503, "daemon is shutting down");
    const versionProblem = version === null ? null : checkRequestedVersion(version, MIN_API_VERSION, MAX_API_VERSION);
    if (versionProblem) return this.fail(ctx, 400, versionProblem);
    if (!match) {
      if (this.router.hasPath(path)) return this.fail(ctx, 405, `method ${method} not allowed on ${path}`);
      return this.fail(ctx, 404, "page not found");
    }
    const done = this.run(ctx, match.handler).finally(() => this.active.delete(ctx));
    this.active.set(ctx, done);
  }

  private async run(ctx: RequestContext, handler: Handler): Promise<void> {
    try {
      await handler(ctx);
      if (ctx.session) return ctx.session.close();
      const res = ctx.response();
      if (!res.headersSent) ctx.sendEmpty(200);
      else if (!res.writableEnded) res.end();
    } catch (e) {
      this.reportFailure(ctx, e);
    }
  }

  private reportFailure(ctx: RequestContext, e: unknown): void {
    const { status, message } = e instanceof PayloadTooLargeError ? { status: 413, message: e.message } : httpErrorFrom(e);
    if (status >= 500 || ctx.session || ctx.response().headersSent) this.notify(e, ctx);
    if (ctx.session) {
      ctx.session.reportError(message);
      ctx.session.close();
      return;
    }
    const res = ctx.response();
    if (res.headersSent) {
      // The status is on the wire already; a truncated body is all that can signal the failure.
      res.destroy();
      return;
    }
    this.fail(ctx, status, message);
  }

  private notify(e: unknown, ctx: RequestContext): void {
    try {
      this.options.onError?.(e, { method: ctx.req.method ?? "", url: ctx.req.url ?? "" });
    } catch {
      // a failing logger must not take the server down
    }
  }

  private fail(ctx: RequestContext, status: number, message: string): void {
    const res = ctx.response();
    if (res.headersSent) return void res.destroy();
    // An unread request body would be parsed as the next request on a kept-alive connection.
    if (!ctx.req.complete) res.shouldKeepAlive = false;
    ctx.sendJson(status, { message });
    if (!ctx.req.complete) ctx.req.resume();
  }
}

/** For connections node's parser gave up on (or never gave a response object for). */
function writeRawError(socket: Duplex, status: number, message: string, headers: Readonly<Record<string, string>>): void {
  const body = errorBody(message);
  let head = `HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  socket.end(head + "\r\n" + body);
  socket.once("finish", () => socket.destroy());
}

function statusText(status: number): string {
  return { 400: "Bad Request", 413: "Payload Too Large", 500: "Internal Server Error" }[status] ?? "Error";
}

/**
 * Upgrade requests arrive with the body unparsed: `head` holds whatever followed the headers.
 * Reads exactly Content-Length bytes and puts anything after them (early stdin) back.
 */
async function readUpgradeBody(req: IncomingMessage, socket: Socket, head: Buffer, limit: number): Promise<Buffer> {
  if (req.headers["transfer-encoding"]) throw invalidArgument("read request body: chunked bodies are not supported on upgrade requests");
  const len = Number.parseInt(req.headers["content-length"] ?? "0", 10) || 0;
  if (len > limit) throw new PayloadTooLargeError(limit);
  let buf = head;
  if (buf.length < len) {
    const chunks: Buffer[] = [head];
    let got = head.length;
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        if (got >= len) { cleanup(); socket.pause(); resolve(); }
      };
      const onEnd = () => { cleanup(); reject(invalidArgument("read request body: connection closed before the body was complete")); };
      const cleanup = () => { socket.off("data", onData); socket.off("end", onEnd); socket.off("close", onEnd); };
      socket.on("data", onData);
      socket.once("end", onEnd);
      socket.once("close", onEnd);
    });
    buf = Buffer.concat(chunks, got);
  }
  const rest = buf.subarray(len);
  if (rest.length > 0) socket.unshift(rest);
  return buf.subarray(0, len);
}
