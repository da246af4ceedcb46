/**
 * A small HTTP/1.1 client over a unix socket on `node:net` alone. The CLI talks only to the
 * daemon's socket, and loading `node:http` (parser, agent, outgoing/incoming machinery) cost
 * 2-3 ms wall and 3-5 ms CPU of every command's start (bench/README.md, CLI start-up); this
 * covers what the client needs: a request with a JSON or streamed (chunked) body, a response
 * streamed to the caller (Content-Length, chunked or until-close), `101 Switching Protocols`
 * handing over the raw socket, and keep-alive reuse.
 */
import { createConnection, type Socket } from "node:net";
import { Readable } from "node:stream";

export type Headers = Record<string, string | number>;

export interface Http1Request {
  method: string;
  /** Path and query, sent as-is. */
  path: string;
  headers: Headers;
  body?: Buffer | Readable;
  signal?: AbortSignal;
  /** Ask for `Connection: Upgrade`: the socket is never reused, a 101 hands it over. */
  upgrade?: boolean;
}

/** A response whose body streams; on a 101 the body is empty and `socket` is the raw connection. */
export class HttpResponse extends Readable {
  complete = false;
  constructor(
    readonly statusCode: number,
    readonly statusMessage: string,
    /** Lower-case names; repeated headers joined with ", " as node:http does. */
    readonly headers: Record<string, string>,
    readonly socket: Socket,
    private readonly onRead: () => void,
    private readonly onDestroy: () => void,
  ) {
    super();
    // A failure (connection lost, malformed chunk) may come before the caller starts reading:
    // it is kept (`errored`) and thrown by the reader's iterator or pipeline instead of
    // crashing the process as an unheard 'error' event (node:http drops it instead).
    this.on("error", () => {});
  }
  override _read(): void { this.onRead(); }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.complete) this.onDestroy();
    cb(err);
  }
}

function errnoError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("The operation was aborted", { cause: signal.reason }), { name: "AbortError", code: "ABORT_ERR" });
}

const NO_BODY_STATUSES = new Set([204, 304]);

/** Requests to one unix socket, keeping idle connections for reuse (unref'd while idle). */
export class Http1Client {
  private readonly idle: Socket[] = [];

  constructor(private readonly socketPath: string) {}

  close(): void {
    for (const s of this.idle.splice(0)) s.destroy();
  }

  request(req: Http1Request): Promise<HttpResponse> {
    if (req.signal?.aborted) return Promise.reject(abortError(req.signal));
    const reused = req.upgrade ? undefined : this.idle.pop();
    if (reused) { reused.emit("x-reuse"); reused.ref(); }
    const socket = reused ?? createConnection({ path: this.socketPath });
    return exchange(socket, req, (s) => this.release(s)).catch((e: Error) => {
      // A kept-alive connection the daemon closed meanwhile: retry once on a fresh one, as
      // node:http's agent would surface it otherwise; only safe before anything was answered.
      if (reused && (e as NodeJS.ErrnoException).code === "ECONNRESET" && !(req.body instanceof Readable)) {
        return this.request(req);
      }
      throw e;
    });
  }

  private release(socket: Socket): void {
    if (socket.destroyed) return;
    socket.unref();
    const drop = () => { const i = this.idle.indexOf(socket); if (i >= 0) this.idle.splice(i, 1); socket.destroy(); };
    socket.once("close", drop).once("end", drop).once("error", drop);
    socket.once("x-reuse", () => socket.off("close", drop).off("end", drop).off("error", drop));
    this.idle.push(socket);
  }
}

function encodeHead(req: Http1Request): string {
  const lines = [`${req.method} ${req.path} HTTP/1.1`, "Host: localhost"];
  const headers: Headers = { ...req.headers };
  const has = (n: string) => Object.keys(headers).some((k) => k.toLowerCase() === n);
  if (req.body instanceof Readable) headers["Transfer-Encoding"] = "chunked";
  else if (req.body) headers["Content-Length"] = req.body.length;
  else if (req.method !== "GET" && req.method !== "HEAD" && !has("content-length")) headers["Content-Length"] = 0;
  if (!has("connection")) headers["Connection"] = "keep-alive";
  for (const [k, v] of Object.entries(headers)) {
    const value = String(v);
    if (/[\r\n]/.test(k + value)) throw new Error(`request header ${k}: contains a line break`);
    lines.push(`${k}: ${value}`);
  }
  return lines.join("\r\n") + "\r\n\r\n";
}

/**
 * Streams `body` as chunked transfer coding. Each chunk goes out as one corked write (size line,
 * data, CRLF: none may be skipped, whatever `write` returns), and the next chunk is read only
 * once the socket drained, so a large archive is never held in memory. Stops, destroying `body`
 * (stdin, a file), as soon as the exchange is over: the socket closed, or `stop` fired because
 * the daemon answered before reading it all.
 */
async function writeChunked(socket: Socket, body: Readable, stop: AbortSignal): Promise<void> {
  const over = () => socket.destroyed || stop.aborted;
  // Unblocks a read from a body that has nothing more to give (an idle stdin) when the exchange ends.
  const onStop = () => body.destroy();
  stop.addEventListener("abort", onStop, { once: true });
  try {
    for await (const c of body as AsyncIterable<Buffer | string>) {
      if (over()) return;
      const chunk = typeof c === "string" ? Buffer.from(c) : c;
      if (chunk.length === 0) continue;
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      const ok = socket.write("\r\n");
      socket.uncork();
      if (!ok) await drained(socket, stop);
    }
    if (!over()) socket.write("0\r\n\r\n");
  } catch (e) {
    if (over()) return; // the body was destroyed because the exchange ended: not an error of its own
    throw e;
  } finally {
    stop.removeEventListener("abort", onStop);
  }
}

/** Resolves on `drain`, or at once when the socket is closed or the exchange over (never hangs). */
function drained(socket: Socket, stop: AbortSignal): Promise<void> {
  if (socket.destroyed || stop.aborted || !socket.writableNeedDrain) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => { socket.off("drain", done).off("close", done); stop.removeEventListener("abort", done); resolve(); };
    socket.once("drain", done).once("close", done);
    stop.addEventListener("abort", done, { once: true });
  });
}

type State = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-crlf" | "trailers" | "until-close" | "done";

/** One request/response on `socket`; `release` gets the socket back when it can be reused. */
function exchange(socket: Socket, req: Http1Request, release: (s: Socket) => void): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let state: State = "head";
    let remaining = 0;
    let res: HttpResponse | undefined;
    let keepAlive = !req.upgrade;
    let bodySent = !(req.body instanceof Readable);
    // Fired when the exchange is over (answered, failed, aborted): a body still streaming stops.
    const bodyStop = new AbortController();

    const detach = () => {
      socket.off("data", onData).off("end", onEnd).off("close", onEnd).off("error", onError);
      req.signal?.removeEventListener("abort", onAbort);
      bodyStop.abort();
    };
    const fail = (e: Error) => {
      detach();
      socket.destroy();
      if (!res) reject(e);
      else if (!res.complete) res.destroy(e);
    };
    const finish = () => {
      state = "done";
      detach();
      res!.complete = true;
      res!.push(null);
      if (keepAlive && bodySent && buf.length === 0) release(socket);
      else socket.destroy();
    };
    function onAbort() { fail(abortError(req.signal!)); }
    function onError(e: Error) { fail(e); }
    function onEnd() {
      if (state === "until-close") finish();
      else if (state !== "done") {
        fail(res
          ? errnoError("read response: the daemon closed the connection before the end of the answer (unexpected EOF)", "ECONNRESET")
          : errnoError("send request: the daemon closed the connection without answering (socket hang up)", "ECONNRESET"));
      }
    }
    function onData(data: Buffer) {
      buf = buf.length ? Buffer.concat([buf, data]) : data;
      try { parse(); } catch (e) { fail(e as Error); }
    }
    const push = (chunk: Buffer) => { if (chunk.length && !res!.push(chunk)) socket.pause(); };

    function parseHead(): boolean {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buf.length > 64 * 1024) throw new Error("response: header section too large");
        return false;
      }
      const [statusLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
      buf = buf.subarray(end + 4);
      const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine!);
      if (!m) throw new Error(`response: malformed status line ${JSON.stringify(statusLine)}`);
      const status = Number(m[1]);
      if (status >= 100 && status < 200 && status !== 101) return true; // 100 Continue and the like
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon <= 0) throw new Error(`response: malformed header line ${JSON.stringify(line)}`);
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      if (/\bclose\b/i.test(headers["connection"] ?? "")) keepAlive = false;
      res = new HttpResponse(status, m[2] ?? "", headers, socket, () => socket.resume(), () => { detach(); socket.destroy(); });
      if (status === 101) {
        detach();
        // Back to a fresh, not flowing state (as node:http hands over an upgraded socket): bytes
        // that came with the head, or arrive before the caller reads, wait in the socket's
        // buffer instead of being emitted to no listener.
        socket.pause();
        (socket as { readableFlowing: boolean | null }).readableFlowing = null; // a setter, typed read-only
        if (buf.length) socket.unshift(buf);
        buf = Buffer.alloc(0);
        res.complete = true;
        res.push(null);
        state = "done";
        resolve(res);
        return false;
      }
      resolve(res);
      if (req.method === "HEAD" || NO_BODY_STATUSES.has(status)) state = "done";
      else if (/\bchunked\b/i.test(headers["transfer-encoding"] ?? "")) state = "chunk-size";
      else if (headers["content-length"] !== undefined) {
        remaining = Number(headers["content-length"]);
        if (!Number.isSafeInteger(remaining) || remaining < 0) throw new Error(`response: bad Content-Length ${headers["content-length"]}`);
        state = remaining === 0 ? "done" : "length";
      } else { state = "until-close"; keepAlive = false; }
      if (state === "done") finish();
      return true;
    }

    function parse(): void {
      for (;;) {
        switch (state) {
          case "head":
            if (!parseHead()) return;
            break;
          case "until-close":
            push(buf); buf = Buffer.alloc(0);
            return;
          case "length":
          case "chunk-data": {
            if (buf.length === 0) return;
            const n = Math.min(remaining, buf.length);
            push(buf.subarray(0, n)); buf = buf.subarray(n); remaining -= n;
            if (remaining > 0) return;
            if (state === "length") return void finish();
            state = "chunk-crlf";
            break;
          }
          case "chunk-crlf":
            if (buf.length < 2) return;
            if (buf[0] !== 13 || buf[1] !== 10) throw new Error("response: chunk not followed by CRLF");
            buf = buf.subarray(2); state = "chunk-size";
            break;
          case "chunk-size": {
            const eol = buf.indexOf("\r\n");
            if (eol < 0) { if (buf.length > 1024) throw new Error("response: chunk size line too long"); return; }
            const text = buf.subarray(0, eol).toString("latin1").split(";")[0]!.trim();
            if (!/^[0-9a-fA-F]{1,12}$/.test(text)) throw new Error(`response: bad chunk size ${JSON.stringify(text)}`);
            remaining = parseInt(text, 16); buf = buf.subarray(eol + 2);
            state = remaining === 0 ? "trailers" : "chunk-data";
            break;
          }
          case "trailers": {
            const eol = buf.indexOf("\r\n");
            if (eol < 0) return;
            buf = buf.subarray(eol + 2);
            if (eol === 0) return void finish(); // the empty line ends the trailers
            break;
          }
          case "done":
            return;
        }
      }
    }

    socket.on("data", onData).on("end", onEnd).on("close", onEnd).on("error", onError);
    // A reused socket may have been paused by the previous answer's last push (backpressure).
    socket.resume();
    req.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      socket.write(encodeHead(req));
    } catch (e) { return fail(e as Error); }
    if (req.body instanceof Readable) {
      writeChunked(socket, req.body, bodyStop.signal).then(() => { bodySent = !bodyStop.signal.aborted; }, (e: Error) => fail(e));
    } else if (req.body) socket.write(req.body);
  });
}
