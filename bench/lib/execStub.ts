/**
 * A stand-in daemon that answers `docker exec c true`'s requests at once from memory, to measure
 * the docker CLI's own floor for an exec (bench/daemon-run.ts): HEAD /_ping, GET
 * /containers/c/json, POST /containers/c/exec, POST /exec/ID/start (hijacked: 101, then the
 * stream ends at once, as a `true` that printed nothing), GET /exec/ID/json (exit code 0).
 * Its own process (the benchmark waits in spawnSync, which would stall a server in its event
 * loop): `node dist/bench/lib/execStub.js SOCKET`, prints "ready" once listening, stops on
 * SIGTERM.
 */
import { createServer } from "node:http";
import { rmSync } from "node:fs";

const sock = process.argv[2];
if (!sock) throw new Error("usage: execStub.js SOCKET");
const EXEC_ID = "e".repeat(64);
const json = (body: unknown) => [200, { "Content-Type": "application/json", "Api-Version": "1.47" }, JSON.stringify(body)] as const;

function answer(method: string, url: string): readonly [number, Record<string, string>, string] {
  const path = url.replace(/^\/v[0-9.]+/, "").split("?")[0]!;
  if (path === "/_ping") return [200, { "Api-Version": "1.47", "Content-Type": "text/plain" }, method === "HEAD" ? "" : "OK"];
  if (method === "GET" && /^\/containers\/[^/]+\/json$/.test(path)) return json({ Id: "c".repeat(64), State: { Status: "running", Running: true }, Config: { Tty: false } });
  if (method === "POST" && /^\/containers\/[^/]+\/exec$/.test(path)) return [201, { "Content-Type": "application/json", "Api-Version": "1.47" }, JSON.stringify({ Id: EXEC_ID })];
  if (method === "GET" && path === `/exec/${EXEC_ID}/json`) return json({ ID: EXEC_ID, Running: false, ExitCode: 0, Pid: 0 });
  return [404, { "Content-Type": "application/json" }, JSON.stringify({ message: `exec stub: no ${method} ${path}` })];
}

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const [code, headers, body] = answer(req.method ?? "GET", req.url ?? "");
    res.writeHead(code, headers).end(body);
  });
});
// POST /exec/ID/start with Upgrade: tcp: the raw stream, ended at once (nothing written by `true`).
server.on("upgrade", (_req, socket) => {
  socket.end("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
});
rmSync(sock, { force: true });
server.listen(sock, () => console.log("ready"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
