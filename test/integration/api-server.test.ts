/** The API server's HTTP behaviour on the wire: headers, versions, errors, socket handling, streams. */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { connect, type Socket } from "node:net";
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { lstat, stat, writeFile, access } from "node:fs/promises";
import { join } from "node:path";
import { startHarness, rawRequest } from "./api-harness.js";
import { ApiServer } from "../../src/api/server.js";
import { FrameDecoder } from "../../src/api/streams/stdcopy.js";
import type { OutputChunk } from "../../src/api/backend.js";

test("ping, headers on every response, version prefix handling", async () => {
  const h = await startHarness();
  try {
    const ping = await rawRequest(h.socketPath, "GET", "/_ping");
    assert.equal(ping.status, 200);
    assert.equal(ping.body, "OK");
    const want: Record<string, string> = {
      "api-version": "1.47", "builder-version": "1", "docker-experimental": "false", ostype: "linux", swarm: "inactive",
      "cache-control": "no-cache, no-store, must-revalidate", pragma: "no-cache", server: "Berth/0.1.0-test (linux)",
    };
    for (const [k, v] of Object.entries(want)) assert.equal(ping.headers[k], v, k);
    const head = await rawRequest(h.socketPath, "HEAD", "/v1.40/_ping");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["api-version"], "1.47");

    const notFound = await rawRequest(h.socketPath, "GET", "/v1.47/nothing/here");
    assert.equal(notFound.status, 404);
    assert.deepEqual(JSON.parse(notFound.body), { message: "page not found" });
    for (const k of ["api-version", "docker-experimental", "ostype", "server"]) assert.ok(notFound.headers[k], `${k} on 404`);

    const tooNew = await rawRequest(h.socketPath, "GET", "/v1.99/version");
    assert.equal(tooNew.status, 400);
    assert.deepEqual(JSON.parse(tooNew.body), { message: "client version 1.99 is too new. Maximum supported API version is 1.47" });
    const tooOld = await rawRequest(h.socketPath, "GET", "/v1.12/version");
    assert.equal(tooOld.status, 400);
    assert.match(JSON.parse(tooOld.body).message, /client version 1.12 is too old/);

    const version = await rawRequest(h.socketPath, "GET", "/version");
    const v = JSON.parse(version.body);
    assert.equal(v.Version, "0.1.0-test");
    assert.equal(v.ApiVersion, "1.47");
    assert.equal(v.MinAPIVersion, "1.24");
    assert.match(v.GoVersion, /^node v\d+/);
    assert.equal(v.Os, "linux");
    assert.equal(v.Components[0].Name, "Engine");

    const wrongMethod = await rawRequest(h.socketPath, "PUT", "/containers/json");
    assert.equal(wrongMethod.status, 405);
  } finally {
    await h.cleanup();
  }
});

test("request errors: malformed JSON, wrong field types, oversized bodies, backend kinds, missing backends", async () => {
  const h = await startHarness({ server: { bodyLimit: 1024 } });
  try {
    const bad = await rawRequest(h.socketPath, "POST", "/v1.47/containers/create", "{not json");
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /^invalid JSON body: /);
    const field = await rawRequest(h.socketPath, "POST", "/v1.47/containers/create", JSON.stringify({ Image: "x", HostConfig: { Memory: "lots" } }));
    assert.equal(field.status, 400);
    assert.equal(JSON.parse(field.body).message, "create container: field HostConfig.Memory must be an integer");
    const empty = await rawRequest(h.socketPath, "POST", "/v1.47/containers/create");
    assert.equal(empty.status, 400);
    assert.equal(JSON.parse(empty.body).message, "config cannot be empty in order to create a container");
    const big = await rawRequest(h.socketPath, "POST", "/v1.47/containers/create", JSON.stringify({ Image: "x".repeat(2000) }));
    assert.equal(big.status, 413);
    const badInt = await rawRequest(h.socketPath, "POST", "/v1.47/containers/x/stop?t=soon");
    assert.equal(badInt.status, 400);
    assert.match(JSON.parse(badInt.body).message, /invalid value for t/);
    const badFilter = await rawRequest(h.socketPath, "GET", "/v1.47/containers/json?filters=" + encodeURIComponent('{"colour":["red"]}'));
    assert.equal(badFilter.status, 400);
    assert.equal(JSON.parse(badFilter.body).message, "invalid filter 'colour'");
    const badSince = await rawRequest(h.socketPath, "GET", "/v1.47/containers/x/logs?stdout=1&since=yesterday");
    assert.equal(badSince.status, 400);
    assert.match(JSON.parse(badSince.body).message, /invalid value for since: "yesterday"/);
    const missing = await rawRequest(h.socketPath, "GET", "/v1.47/containers/nosuch/json");
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).message, "No such container: nosuch");
    h.engine.add({ name: "busy" });
    const conflict = await rawRequest(h.socketPath, "DELETE", "/v1.47/containers/busy");
    assert.equal(conflict.status, 409);
    const search = await rawRequest(h.socketPath, "GET", "/v1.47/images/search?term=x");
    assert.equal(search.status, 501);
    const noNetworks = await rawRequest(h.socketPath, "GET", "/v1.47/networks");
    assert.equal(noNetworks.status, 501);
    assert.equal(JSON.parse(noNetworks.body).message, "networks are not supported by this daemon");
    const started = await rawRequest(h.socketPath, "POST", "/v1.47/containers/busy/start");
    assert.equal(started.status, 304, "starting a running container is Not Modified");
    // The connection stays usable after errors (keep-alive) — a second request on the same agent works.
    assert.equal((await rawRequest(h.socketPath, "GET", "/_ping")).status, 200);
  } finally {
    await h.cleanup();
  }
});

test("socket file: mode 0660, stale socket replaced, live socket and regular files refused, removed on close", async () => {
  const h = await startHarness();
  const sock = h.socketPath;
  try {
    const st = await stat(sock);
    assert.equal(st.mode & 0o777, 0o660);
    const second = new ApiServer({ socketPath: sock, version: "x", backends: {} });
    await assert.rejects(second.listen(), /another process is already listening/);
    assert.equal((await rawRequest(sock, "GET", "/_ping")).status, 200, "the refused server did not disturb the live one");
    const file = join(h.dir, "plain-file");
    await writeFile(file, "keep me");
    await assert.rejects(new ApiServer({ socketPath: file, version: "x", backends: {} }).listen(), /not a socket/);
    await access(file);
  } finally {
    await h.server.close();
  }
  await assert.rejects(lstat(sock), { code: "ENOENT" }, "socket file removed on close");

  // A stale socket: bound by a server that is gone (close without unlink leaves the file).
  const stalePath = join(h.dir, "stale.sock");
  // A daemon killed with SIGKILL leaves its socket file behind with nobody listening.
  spawnSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(stalePath)}, () => process.kill(process.pid, "SIGKILL"))`]);
  assert.ok((await lstat(stalePath)).isSocket());
  const fresh = new ApiServer({ socketPath: stalePath, version: "x", backends: {} });
  try {
    await fresh.listen();
    assert.equal((await rawRequest(stalePath, "GET", "/_ping")).status, 200);
  } finally {
    await fresh.close();
    await h.cleanup();
  }
});

/** Sends a raw HTTP request on a fresh connection and returns the socket once headers are in. */
function rawConnect(socketPath: string, text: string | Buffer): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const i = buf.indexOf("\r\n\r\n");
      if (i === -1) return;
      socket.off("data", onData);
      socket.pause();
      resolve({ socket, head: buf.subarray(0, i).toString(), rest: buf.subarray(i + 4) });
    };
    socket.on("data", onData);
    socket.on("error", reject);
    socket.write(text);
  });
}

function readAll(socket: Socket, initial: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks = [initial];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
    socket.resume();
  });
}

test("hijacked attach: 101 UPGRADED, stdin after half-close, framed output, connection closed by the server", async () => {
  const h = await startHarness();
  try {
    const c = h.engine.add({ name: "echo" });
    const { socket, head, rest } = await rawConnect(h.socketPath,
      `POST /v1.47/containers/echo/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    const lines = head.split("\r\n");
    assert.equal(lines[0], "HTTP/1.1 101 UPGRADED");
    assert.ok(lines.includes("Content-Type: application/vnd.docker.multiplexed-stream"));
    assert.ok(lines.includes("Connection: Upgrade"));
    assert.ok(lines.includes("Upgrade: tcp"));
    assert.ok(lines.includes("Api-Version: 1.47"));
    const all = readAll(socket, rest);
    socket.write("hello ");
    socket.end("world"); // half-close: our stdin is over
    const frames = new FrameDecoder().push(await all);
    assert.equal(Buffer.concat(frames.map((f) => f.data)).toString(), "hello world");
    assert.ok(frames.every((f) => f.stream === 1));
    assert.equal(c.status, "exited", "stdin EOF ended the echo process");
    assert.equal(h.engine.openSessions, 0);
    await new Promise<void>((r) => socket.once("close", () => r()).destroyed && r());
    while ((await h.server.connectionCount()) > 0) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await h.cleanup();
  }
});

test("hijacked exec start: body and early stdin in one packet, TTY exec is raw, API 1.41 announces raw-stream", async () => {
  const h = await startHarness();
  try {
    h.engine.add({ name: "box" });
    const create = await rawRequest(h.socketPath, "POST", "/v1.47/containers/box/exec", JSON.stringify({ Cmd: ["cat", "0"], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true }));
    assert.equal(create.status, 201);
    const id = JSON.parse(create.body).Id;
    const body = JSON.stringify({ Detach: false, Tty: true });
    const { socket, head, rest } = await rawConnect(h.socketPath,
      `POST /v1.41/exec/${id}/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}early-stdin`);
    assert.match(head, /^HTTP\/1.1 101 UPGRADED\r\n/);
    assert.match(head, /Content-Type: application\/vnd.docker.raw-stream/);
    const all = readAll(socket, rest);
    socket.end();
    assert.equal((await all).toString(), "early-stdinexec cat 0 done\n", "raw TTY output: stdout and stderr share one unframed stream");
    const inspect = JSON.parse((await rawRequest(h.socketPath, "GET", `/v1.47/exec/${id}/json`)).body);
    assert.equal(inspect.ExitCode, 0);
    assert.equal(inspect.Running, false);
  } finally {
    await h.cleanup();
  }
});

test("attach without upgrade headers: 200 OK raw-stream and the output (old-client path)", async () => {
  const h = await startHarness();
  try {
    const c = h.engine.add({ name: "old" });
    const { socket, head, rest } = await rawConnect(h.socketPath, `POST /v1.47/containers/old/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n\r\n`);
    assert.match(head, /^HTTP\/1.1 200 OK\r\nContent-Type: application\/vnd.docker.raw-stream\r\n/);
    const all = readAll(socket, rest);
    h.engine.exit(c, 0);
    assert.equal((await all).length, 0, "no stdin on this path, so the echo process wrote nothing");
    // Errors before the hijack are ordinary HTTP answers on both paths.
    const gone = await rawConnect(h.socketPath, `POST /v1.47/containers/nosuch/attach?stream=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    assert.match(gone.head, /^HTTP\/1.1 404 /);
    assert.match(gone.head, /Api-Version: 1.47/);
    const body = await readAll(gone.socket, gone.rest);
    assert.deepEqual(JSON.parse(body.toString()), { message: "No such container: nosuch" });
  } finally {
    await h.cleanup();
  }
});

test("wait flushes 200 before the container exits, then writes the status", async () => {
  const h = await startHarness();
  try {
    const c = h.engine.add({ name: "waiter" });
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath: h.socketPath, method: "POST", path: "/v1.47/containers/waiter/wait?condition=next-exit" }, (res) => {
        assert.equal(res.statusCode, 200);
        assert.equal(c.status, "running", "headers arrived while the container still runs");
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve(Buffer.concat(chunks).toString()));
        h.engine.exit(c, 42);
      });
      req.on("error", reject);
      req.end();
    });
    assert.deepEqual(JSON.parse(body), { StatusCode: 42, Error: null });
    const bad = await rawRequest(h.socketPath, "POST", "/v1.47/containers/waiter/wait?condition=whenever");
    assert.equal(bad.status, 400);
  } finally {
    await h.cleanup();
  }
});

test("a following logs stream stops (signal aborted) when the client disconnects", async () => {
  let aborted: () => void = () => {};
  const abortSeen = new Promise<void>((r) => (aborted = r));
  const h = await startHarness({
    backends: (engine) => {
      const b = engine.backends();
      b.containers = { ...b.containers!, logs: async (_id, _o, signal) => ({
        tty: false,
        chunks: (async function* (): AsyncGenerator<OutputChunk> {
          yield { stream: "stdout", data: Buffer.from("first\n") };
          await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
          aborted();
        })(),
      }) };
      return b;
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: h.socketPath, path: "/v1.47/containers/x/logs?follow=1&stdout=1" }, (res) => {
        assert.equal(res.headers["content-type"], "application/vnd.docker.multiplexed-stream");
        res.once("data", (d: Buffer) => {
          assert.equal(new FrameDecoder().push(d)[0]!.data.toString(), "first\n");
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
      req.on("close", () => resolve());
      req.end();
      setTimeout(() => reject(new Error("no data")), 5000).unref();
    });
    await abortSeen;
  } finally {
    await h.cleanup();
  }
});

test("pull progress: JSON lines, errors before output are HTTP errors, mid-stream errors are errorDetail", async () => {
  const h = await startHarness();
  try {
    const ok = await rawRequest(h.socketPath, "POST", "/v1.47/images/create?fromImage=alpine&tag=3");
    assert.equal(ok.status, 200);
    const msgs = ok.body.split("\r\n").filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(msgs[1], { status: "Downloading", progressDetail: { current: 50, total: 100 }, id: "aaaa" });
    const missing = await rawRequest(h.socketPath, "POST", "/v1.47/images/create?fromImage=missing");
    assert.equal(missing.status, 404);
    const broken = await rawRequest(h.socketPath, "POST", "/v1.47/images/create?fromImage=breaks");
    assert.equal(broken.status, 200);
    const last = JSON.parse(broken.body.trim().split("\r\n").at(-1)!);
    assert.deepEqual(last, { errorDetail: { message: "pull: registry went away" }, error: "pull: registry went away" });
  } finally {
    await h.cleanup();
  }
});

test("close() ends open event streams and hijacked sessions, then removes the socket", async () => {
  const h = await startHarness();
  h.engine.add({ name: "held" });
  const events = new Promise<string>((resolve, reject) => {
    const req = request({ socketPath: h.socketPath, path: "/v1.47/events" }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d));
      res.on("close", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
  const attach = await rawConnect(h.socketPath, `POST /v1.47/containers/held/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  const attachClosed = new Promise<void>((r) => { attach.socket.on("close", () => r()); attach.socket.resume(); });
  // Let the events request reach its handler before closing.
  await new Promise((r) => setTimeout(r, 50));
  await h.cleanup();
  assert.match(await events, /"Action":"start"/);
  await attachClosed;
  assert.equal(h.engine.openSessions, 0);
  await assert.rejects(lstat(h.socketPath), { code: "ENOENT" });
});

test("a client vanishing mid-attach ends stdin, then aborts the session's signal once output cannot be delivered", async () => {
  let sawAbort: () => void = () => {};
  const aborted = new Promise<void>((r) => (sawAbort = r));
  let stdinEnded = false;
  const h = await startHarness({
    backends: (engine) => {
      const b = engine.backends();
      b.containers = { ...b.containers!, attach: async (_id, _o, open, signal) => {
        const s = open(false);
        s.stdin!.on("end", () => (stdinEnded = true)).resume();
        s.stdout!.write("ready");
        // The process keeps producing output; the vanished client (a FIN looks like a
        // half-close) is noticed when that output can no longer be delivered.
        const timer = setInterval(() => s.stdout!.write("more"), 5);
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
        clearInterval(timer);
        sawAbort();
      } };
      return b;
    },
  });
  try {
    const { socket, rest } = await rawConnect(h.socketPath, `POST /v1.47/containers/x/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    if (rest.length === 0) await new Promise((r) => socket.once("data", r).resume());
    socket.destroy();
    await aborted;
    assert.equal(stdinEnded, true);
    while ((await h.server.connectionCount()) > 0) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await h.cleanup();
  }
});

test("onError hears about 500s and handler crashes, not about client errors", async () => {
  const seen: string[] = [];
  const h = await startHarness({
    server: { onError: (e, r) => seen.push(`${r.method} ${r.url}: ${(e as Error).message}`) },
    backends: (engine) => {
      const b = engine.backends();
      b.containers = { ...b.containers!, top: async () => { throw new TypeError("engine bug"); } };
      return b;
    },
  });
  try {
    h.engine.add({ name: "t" });
    const r = await rawRequest(h.socketPath, "GET", "/v1.47/containers/t/top");
    assert.equal(r.status, 500);
    assert.deepEqual(JSON.parse(r.body), { message: "engine bug" });
    assert.equal((await rawRequest(h.socketPath, "GET", "/v1.47/containers/nope/json")).status, 404);
    assert.deepEqual(seen, ["GET /v1.47/containers/t/top: engine bug"]);
    const build = await rawRequest(h.socketPath, "POST", "/v1.47/build");
    assert.equal(build.status, 501);
  } finally {
    await h.cleanup();
  }
});
