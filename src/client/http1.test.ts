import { test } from "node:test";
import * as assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { PassThrough, Readable } from "node:stream";
import { Http1Client } from "./http1.js";

/** A unix-socket server that hands each connection's raw request text to `handle`. */
async function withServer(handle: (sock: Socket, request: string) => void, fn: (client: Http1Client, sockets: Set<Socket>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-http1-"));
  const path = join(dir, "s.sock");
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    let text = "";
    sock.on("data", (d) => {
      text += d.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const req = text; text = "";
      handle(sock, req);
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  const client = new Http1Client(path);
  try {
    await fn(client, sockets);
  } finally {
    client.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readAll(r: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of r as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts).toString("utf8");
}

/** Writes pieces on separate ticks so the client sees them in separate reads. */
async function dribble(sock: Socket, pieces: string[]): Promise<void> {
  for (const p of pieces) {
    sock.write(p);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("sends the request line, headers and a JSON body; reads a Content-Length body", async () => {
  let seen = "";
  await withServer((sock, req) => { seen = req; sock.write("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: 1\r\nX-A: 2\r\n\r\n{}"); }, async (client) => {
    const res = await client.request({ method: "POST", path: "/v1.45/x?a=1", headers: { "User-Agent": "t" }, body: Buffer.from('{"k":1}') });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers["x-a"], "1, 2");
    assert.equal(await readAll(res), "{}");
    assert.equal(res.complete, true);
  });
  assert.match(seen, /^POST \/v1\.45\/x\?a=1 HTTP\/1\.1\r\n/);
  assert.match(seen, /\r\nUser-Agent: t\r\n/);
  assert.match(seen, /\r\nContent-Length: 7\r\n/);
  assert.ok(seen.endsWith('\r\n\r\n{"k":1}'));
});

test("chunked bodies split at awkward places stream in order", async () => {
  const raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nb\r\nworld again\r\n0\r\nTrailer: x\r\n\r\n";
  // every split point: head, size lines, data, CRLFs and trailers all cut mid-way
  const cuts = [3, 20, 47, 49, 52, 55, 57, 60, 62, 66, 75, 80, 83, 95];
  await withServer((sock) => {
    const pieces: string[] = [];
    let at = 0;
    for (const c of cuts) { pieces.push(raw.slice(at, c)); at = c; }
    pieces.push(raw.slice(at));
    void dribble(sock, pieces);
  }, async (client) => {
    const res = await client.request({ method: "GET", path: "/logs", headers: {} });
    assert.equal(await readAll(res), "hello world again");
  });
});

test("a kept-alive connection is reused for the next request", async () => {
  await withServer((sock) => { sock.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); }, async (client, sockets) => {
    assert.equal(await readAll(await client.request({ method: "GET", path: "/_ping", headers: {} })), "ok");
    assert.equal(await readAll(await client.request({ method: "GET", path: "/_ping", headers: {} })), "ok");
    assert.equal(sockets.size, 1);
  });
});

test("a streamed request body goes out chunked", async () => {
  let received = "";
  await withServer((sock, req) => {
    // The head and the body may arrive in one read or in many.
    const check = () => { if (received.endsWith("\r\n0\r\n\r\n")) sock.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); };
    received = req;
    check();
    sock.on("data", (d) => { received += d.toString("latin1"); check(); });
  }, async (client) => {
    const res = await client.request({ method: "POST", path: "/load", headers: {}, body: Readable.from([Buffer.from("abc"), Buffer.from("defghijklmnopq")]) });
    assert.equal(res.statusCode, 200);
    await readAll(res);
  });
  assert.match(received, /Transfer-Encoding: chunked\r\n/);
  assert.ok(received.endsWith("\r\n\r\n3\r\nabc\r\ne\r\ndefghijklmnopq\r\n0\r\n\r\n"), received);
});

test("101 hands over the socket with the bytes that followed the head; half-close works", async () => {
  let gotEnd = false;
  await withServer((sock, req) => {
    assert.match(req, /\r\nConnection: Upgrade\r\n/);
    sock.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n\r\nearly");
    sock.on("data", (d) => sock.write(d.toString().toUpperCase()));
    sock.on("end", () => { gotEnd = true; sock.end("bye"); });
  }, async (client) => {
    const res = await client.request({ method: "POST", path: "/attach", headers: { Connection: "Upgrade", Upgrade: "tcp" }, upgrade: true });
    assert.equal(res.statusCode, 101);
    assert.equal(res.headers["content-type"], "application/vnd.docker.raw-stream");
    res.socket.write("abc");
    res.socket.end();
    assert.equal(await readAll(res.socket), "earlyABCbye");
  });
  assert.ok(gotEnd);
});

test("a body read until close when neither length nor chunking is given", async () => {
  await withServer((sock) => { void dribble(sock, ["HTTP/1.1 200 OK\r\n\r\nfirst ", "second"]).then(() => sock.end()); }, async (client) => {
    assert.equal(await readAll(await client.request({ method: "GET", path: "/", headers: {} })), "first second");
  });
});

test("HEAD and 204 answers have no body even with a Content-Length", async () => {
  await withServer((sock, req) => {
    sock.write(req.startsWith("HEAD") ? "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" : "HTTP/1.1 204 No Content\r\n\r\n");
  }, async (client) => {
    const head = await client.request({ method: "HEAD", path: "/a", headers: {} });
    assert.equal(await readAll(head), "");
    const del = await client.request({ method: "DELETE", path: "/b", headers: {} });
    assert.equal(del.statusCode, 204);
    assert.equal(await readAll(del), "");
  });
});

test("a connection closed before the answer rejects with ECONNRESET", async () => {
  await withServer((sock) => sock.destroy(), async (client) => {
    await assert.rejects(client.request({ method: "GET", path: "/", headers: {} }), { code: "ECONNRESET" });
  });
});

test("a connection closed mid-body errors the response stream", async () => {
  await withServer((sock) => { sock.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"); setTimeout(() => sock.destroy(), 10); }, async (client) => {
    const res = await client.request({ method: "GET", path: "/", headers: {} });
    await assert.rejects(readAll(res), { code: "ECONNRESET", message: /closed the connection before the end of the answer/ });
  });
});

test("malformed answers are refused", async () => {
  await withServer((sock) => sock.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), async (client) => {
    const res = await client.request({ method: "GET", path: "/", headers: {} });
    await assert.rejects(readAll(res), /bad chunk size/);
  });
  await withServer((sock) => sock.write("SPDY nonsense\r\n\r\n"), async (client) => {
    await assert.rejects(client.request({ method: "GET", path: "/", headers: {} }), /malformed status line/);
  });
});

test("an abort signal rejects a pending request and ends a streaming body", async () => {
  await withServer(() => { /* never answers */ }, async (client) => {
    const ac = new AbortController();
    const p = client.request({ method: "GET", path: "/", headers: {}, signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    await assert.rejects(p, { name: "AbortError" });
  });
  await withServer((sock) => sock.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"), async (client, sockets) => {
    const ac = new AbortController();
    const res = await client.request({ method: "GET", path: "/events", headers: {}, signal: ac.signal });
    const it = (res as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    assert.equal(String((await it.next()).value), "abc");
    ac.abort();
    await assert.rejects(it.next(), { name: "AbortError" });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sockets.size, 0, "the connection is closed");
  });
});

test("a refused connection rejects with the socket error", async () => {
  const client = new Http1Client(join(tmpdir(), `berth-test-missing-${process.pid}.sock`));
  await assert.rejects(client.request({ method: "GET", path: "/", headers: {} }), { code: "ENOENT" });
});

/** A node:http server (as berthd is) on a unix socket: real chunked parsing and backpressure. */
async function withHttpServer(handle: (req: IncomingMessage, res: ServerResponse) => void, fn: (client: Http1Client, sockets: Set<Socket>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-http1-"));
  const path = join(dir, "s.sock");
  const sockets = new Set<Socket>();
  const server = createHttpServer(handle);
  server.on("connection", (s: Socket) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(path, r));
  const client = new Http1Client(path);
  try {
    await fn(client, sockets);
  } finally {
    client.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `size` deterministic bytes in `chunk`-sized pushes, made only when read; counts what was made. */
function countingBody(size: number, chunk: number, failAt?: number): Readable & { produced: number } {
  const body = new Readable({
    highWaterMark: chunk,
    read() {
      if (failAt !== undefined && body.produced >= failAt) return void this.destroy(new Error("read archive: disk error"));
      if (body.produced >= size) return void this.push(null);
      const n = Math.min(chunk, size - body.produced);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = (body.produced + i) & 0xff;
      body.produced += n;
      this.push(b);
    },
  }) as Readable & { produced: number };
  body.produced = 0;
  return body;
}

function digestOf(size: number): string {
  const h = createHash("sha256");
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = i & 0xff;
  return h.update(b).digest("hex");
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test("a large streamed body arrives whole and is read only as fast as the server takes it", async () => {
  const total = 16 * 1024 * 1024;
  const body = countingBody(total, 64 * 1024);
  let consumed = 0;
  let paused: IncomingMessage | undefined;
  await withHttpServer((req, res) => {
    const h = createHash("sha256");
    req.on("data", (d: Buffer) => {
      h.update(d);
      consumed += d.length;
      // Stop reading after 1 MiB: the client must stop reading its source too.
      if (!paused && consumed >= 1024 * 1024) { paused = req; req.pause(); }
    });
    req.on("end", () => res.end(JSON.stringify({ size: consumed, sha: h.digest("hex"), te: req.headers["transfer-encoding"] })));
  }, async (client) => {
    const pending = client.request({ method: "POST", path: "/images/load", headers: {}, body });
    await until(() => paused !== undefined, "the server to pause");
    // Let the pipe fill; without backpressure the whole 16 MiB would be made now.
    let last = -1;
    while (last !== body.produced) { last = body.produced; await new Promise((r) => setTimeout(r, 50)); }
    assert.ok(body.produced < total / 2, `the source was read ahead of the server: ${body.produced} of ${total} bytes made, ${consumed} taken`);
    paused!.resume();
    const res = await pending;
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(await readAll(res)), { size: total, sha: digestOf(total), te: "chunked" });
  });
});

test("a body that fails mid-way rejects the request and the daemon sees the upload aborted", async () => {
  let serverSaw = "";
  await withHttpServer((req) => {
    req.on("aborted", () => { serverSaw = "aborted"; });
    req.on("end", () => { serverSaw = "end"; });
    req.resume();
  }, async (client, sockets) => {
    const body = countingBody(8 * 1024 * 1024, 64 * 1024, 2 * 1024 * 1024);
    await assert.rejects(client.request({ method: "POST", path: "/images/load", headers: {}, body }), /read archive: disk error/);
    await until(() => serverSaw !== "" && sockets.size === 0, "the server to see the connection close");
    assert.equal(serverSaw, "aborted", "the chunked body was never terminated, so it is not taken as complete");
  });
});

test("an answer before the body was read stops the upload and destroys the source (an idle stdin)", async () => {
  await withHttpServer((req, res) => {
    res.writeHead(400, { "Content-Type": "application/json" }).end('{"message":"invalid tar header"}');
  }, async (client) => {
    // A source that never ends by itself, as a terminal on stdin.
    const body = new PassThrough();
    body.write("not a tar");
    const res = await client.request({ method: "POST", path: "/images/load", headers: {}, body });
    assert.equal(res.statusCode, 400);
    assert.equal(await readAll(res), '{"message":"invalid tar header"}');
    await until(() => body.destroyed, "the body to be destroyed");
  });
});

test("a server closing the connection mid-upload rejects the request (no wait for a drain that never comes)", async () => {
  await withHttpServer((req) => {
    let n = 0;
    req.on("data", (d: Buffer) => { n += d.length; if (n >= 512 * 1024) req.socket.destroy(); });
  }, async (client) => {
    const body = countingBody(64 * 1024 * 1024, 64 * 1024);
    await assert.rejects(client.request({ method: "POST", path: "/images/load", headers: {}, body }), { code: /ECONNRESET|EPIPE/ });
    await until(() => body.destroyed, "the body to be destroyed");
    assert.ok(body.produced < 64 * 1024 * 1024);
  });
});

test("a chunked stream the server ends cleanly ends the response; one it cuts errors it", async () => {
  await withHttpServer((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.write('{"status":"start"}\n');
    if (req.url === "/events?until=now") setTimeout(() => res.end('{"status":"stop"}\n'), 20);
    else setTimeout(() => res.socket!.destroy(), 20);
  }, async (client, sockets) => {
    assert.equal(await readAll(await client.request({ method: "GET", path: "/events?until=now", headers: {} })), '{"status":"start"}\n{"status":"stop"}\n');
    const cut = await client.request({ method: "GET", path: "/events", headers: {} });
    await assert.rejects(readAll(cut), { code: "ECONNRESET", message: /closed the connection before the end of the answer/ });
    await until(() => sockets.size === 0, "the connections to close");
  });
});
