/**
 * A small Engine API client over a daemon's unix socket, for latency rows measured without the
 * docker CLI (bench/daemon-run.ts): plain requests through node:http (chunked answers, such as a
 * wait whose headers come at once and whose body comes at the container's removal, included),
 * hijacked ones (attach, exec start) on a raw node:net socket, and the two request sequences the
 * CLI makes for `docker exec c true` and `docker run --rm busybox true`.
 *
 * Every answer is checked (status, ids, exit code, empty output of `true`): a request that fails
 * or takes longer than the timeout rejects with "METHOD path: detail", so a broken daemon can
 * never produce a fast number. Nothing here blocks the event loop.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { compareVersions } from "../../src/api/version.js";

/** Per request; a daemon that does not answer in this time fails the row (dockerd 20.10 hung now and then). */
export const API_TIMEOUT_MS = 20_000;

export interface ApiAnswer { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** A daemon's socket and the version prefix used for every request ("/v1.41"). */
export interface ApiTarget { sock: string; prefix: string }

const now = () => Number(process.hrtime.bigint()) / 1e6;

function describe(method: string, path: string, detail: string): Error {
  return new Error(`${method} ${path}: ${detail}`);
}

/** The daemon's error message from a JSON error body ({"message": ...}), else the text itself. */
function errorText(body: Buffer): string {
  const text = body.toString("utf8").trim();
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof m === "string") return m;
  } catch { /* not JSON */ }
  return text.slice(0, 300);
}

/**
 * Sends a request and resolves once the response headers are in: `body` resolves at the end of
 * the response. A new connection per request (agent: false), as each docker CLI process makes.
 */
export function apiStart(sock: string, method: string, path: string, json?: unknown, timeoutMs = API_TIMEOUT_MS): Promise<{ status: number; headers: ApiAnswer["headers"]; body: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const payload = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    const headers: Record<string, string> = { Host: "docker" };
    if (payload) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(payload.length);
    }
    const req = request({ socketPath: sock, method, path, headers, agent: false });
    // Before the headers a failure rejects the call, after them the body; the first one counts.
    let settled = false;
    let onBodyError: ((e: Error) => void) | undefined;
    const fail = (detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      const err = describe(method, path, detail);
      if (onBodyError) onBodyError(err);
      else reject(err);
    };
    // One timer for the whole exchange, headers and body: a wait that never ends fails too.
    const timer = setTimeout(() => fail(`no complete answer in ${timeoutMs / 1000} s`), timeoutMs);
    req.on("error", (e) => fail(e.message));
    req.on("response", (res) => {
      const body = new Promise<Buffer>((resolveBody, rejectBody) => {
        onBodyError = rejectBody;
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolveBody(Buffer.concat(parts));
        });
        res.on("error", (e) => fail(e.message));
        res.on("close", () => fail("connection closed before the end of the answer"));
      });
      // Callers that await only the headers must not leave a rejection unhandled.
      body.catch(() => {});
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
    });
    req.end(payload);
  });
}

/** A whole request: status, headers and body. */
export async function apiCall(sock: string, method: string, path: string, json?: unknown, timeoutMs = API_TIMEOUT_MS): Promise<ApiAnswer> {
  const r = await apiStart(sock, method, path, json, timeoutMs);
  return { status: r.status, headers: r.headers, body: await r.body };
}

/** apiCall that rejects unless the status is `want`; resolves with the body parsed as JSON (or null when empty). */
export async function apiExpect(sock: string, method: string, path: string, want: number, json?: unknown): Promise<unknown> {
  const r = await apiCall(sock, method, path, json);
  if (r.status !== want) throw describe(method, path, `HTTP ${r.status} (want ${want}): ${errorText(r.body)}`);
  if (r.body.length === 0) return null;
  try {
    return JSON.parse(r.body.toString("utf8"));
  } catch {
    throw describe(method, path, `answer is not JSON: ${r.body.toString("utf8").slice(0, 200)}`);
  }
}

/**
 * The version prefix the docker CLI negotiates: the daemon's Api-Version from GET /_ping, capped
 * at the client's own maximum (`clientMax`, e.g. "1.50" for the CLI v28).
 */
export async function negotiate(sock: string, clientMax: string): Promise<ApiTarget> {
  if (!/^\d+\.\d+$/.test(clientMax)) throw new Error(`negotiate: the client's API version ${JSON.stringify(clientMax)} is not MAJOR.MINOR`);
  const r = await apiCall(sock, "GET", "/_ping");
  const v = r.headers["api-version"];
  if (r.status !== 200 || r.body.toString() !== "OK") throw describe("GET", "/_ping", `HTTP ${r.status}: ${errorText(r.body)}`);
  if (typeof v !== "string" || !/^\d+\.\d+$/.test(v)) throw describe("GET", "/_ping", `no usable Api-Version header (${String(v)})`);
  return { sock, prefix: `/v${compareVersions(v, clientMax) < 0 ? v : clientMax}` };
}

/** A hijacked request whose status line is in: `output` resolves with every byte after the headers once the daemon ends the stream. */
interface Hijacked {
  status: number;
  output: Promise<Buffer>;
  /** Drops the connection (a sequence that failed elsewhere); `output` then rejects. */
  close(): void;
}

/**
 * POST `path` asking to upgrade (Connection: Upgrade, Upgrade: tcp), as the CLI's attach and
 * exec start do, on a raw socket. Resolves once the 101 is in; anything else rejects with the
 * daemon's message. Like the CLI without -i (no stdin), our side is shut at once after the 101
 * (the daemon sees EOF on stdin) and the output is read until the daemon ends the stream.
 */
export function hijack(sock: string, path: string, json?: unknown, timeoutMs = API_TIMEOUT_MS): Promise<Hijacked> {
  return new Promise((resolve, reject) => {
    const payload = json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json));
    const s = connect(sock);
    let head: Buffer | null = Buffer.alloc(0);
    const out: Buffer[] = [];
    let settleOutput: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
    const fail = (e: Error) => {
      clearTimeout(timer);
      s.destroy();
      if (settleOutput) settleOutput.reject(e);
      else reject(e);
    };
    const timer = setTimeout(() => fail(describe("POST", path, `stream not ended in ${timeoutMs / 1000} s`)), timeoutMs);
    s.on("error", (e) => fail(describe("POST", path, e.message)));
    s.on("connect", () => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      s.write(payload);
    });
    let errorStatus = 0;
    let errorWant = -1;
    s.on("data", (d: Buffer) => {
      if (head === null) {
        out.push(d);
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 64 * 1024) fail(describe("POST", path, "response headers too long"));
        return;
      }
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const rest = head.subarray(end + 4);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
      const status = m ? Number(m[1]) : 0;
      if (status === 101) {
        head = null;
        if (rest.length > 0) out.push(rest);
        const output = new Promise<Buffer>((res, rej) => { settleOutput = { resolve: res, reject: rej }; });
        output.catch(() => {});
        s.end();
        resolve({ status, output, close: () => fail(describe("POST", path, "closed by the client")) });
        return;
      }
      if (errorStatus === 0) {
        // An error answer (404, 409, 500...): its body says why; read it by Content-Length.
        errorStatus = status;
        const cl = lines.find((l) => /^content-length:/i.test(l));
        errorWant = cl ? Number(cl.split(":")[1]) : rest.length;
      }
      if (rest.length >= errorWant) fail(describe("POST", path, `HTTP ${errorStatus || lines[0]} (want 101): ${errorText(rest.subarray(0, errorWant))}`));
    });
    s.on("end", () => {
      if (head !== null) return fail(describe("POST", path, errorStatus ? `HTTP ${errorStatus} (want 101), answer cut short` : "connection closed before the status line"));
      clearTimeout(timer);
      settleOutput?.resolve(Buffer.concat(out));
    });
  });
}

/**
 * The stdout/stderr of a stream framed with stdcopy (8-byte headers: stream, 3 zero bytes, size
 * big-endian); both daemons frame a non-TTY stream whatever content type they announce. Rejects
 * a malformed stream.
 */
export function demux(buf: Buffer, what: string): { stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < 8) throw new Error(`${what}: truncated stream frame header`);
    const kind = buf[at]!;
    const size = buf.readUInt32BE(at + 4);
    if (kind > 3 || buf[at + 1] !== 0 || buf[at + 2] !== 0 || buf[at + 3] !== 0) throw new Error(`${what}: not a framed stream (header ${buf.subarray(at, at + 8).toString("hex")})`);
    if (at + 8 + size > buf.length) throw new Error(`${what}: truncated stream frame`);
    const text = buf.subarray(at + 8, at + 8 + size).toString("utf8");
    if (kind === 1) stdout += text;
    else stderr += text;
    at += 8 + size;
  }
  return { stdout, stderr };
}

/** `true` prints nothing: any output (an error the daemon reported in the stream) fails the sequence. */
function expectNoOutput(buf: Buffer, what: string): void {
  const { stdout, stderr } = demux(buf, what);
  if (stdout || stderr) throw new Error(`${what}: unexpected output from \`true\`: ${(stdout + stderr).trim().slice(0, 300)}`);
}

function idOf(v: unknown, field: string, what: string): string {
  const id = (v as Record<string, unknown> | null)?.[field];
  if (typeof id !== "string" || !/^[0-9a-f]{64}$/.test(id)) throw new Error(`${what}: no ${field} in the answer (${JSON.stringify(v)?.slice(0, 200)})`);
  return id;
}

/** Creates and starts `busybox sleep 3600` (untimed set-up for the exec row); returns its id. */
export async function startSleeper(t: ApiTarget, network: string): Promise<string> {
  const p = `${t.prefix}/containers/create`;
  const id = idOf(await apiExpect(t.sock, "POST", p, 201, { Image: "busybox", Cmd: ["sleep", "3600"], HostConfig: { NetworkMode: network } }), "Id", `POST ${p}`);
  await apiExpect(t.sock, "POST", `${t.prefix}/containers/${id}/start`, 204);
  return id;
}

/** Removes a container by force (untimed clean-up); a container already gone is fine. */
export async function removeContainer(t: ApiTarget, id: string): Promise<void> {
  const path = `${t.prefix}/containers/${id}?force=1`;
  const r = await apiCall(t.sock, "DELETE", path);
  if (r.status !== 204 && r.status !== 404) throw describe("DELETE", path, `HTTP ${r.status}: ${errorText(r.body)}`);
}

/**
 * `docker exec c true` without the CLI (nor its /_ping and container inspect): create the exec,
 * start it hijacked and read the stream to its end, inspect it for exit code 0. Returns ms from
 * the create's sending to the inspect's answer.
 */
export async function execTrue(t: ApiTarget, container: string): Promise<number> {
  const t0 = now();
  const createPath = `${t.prefix}/containers/${container}/exec`;
  const exec = idOf(await apiExpect(t.sock, "POST", createPath, 201, { AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: ["true"] }), "Id", `POST ${createPath}`);
  const startPath = `${t.prefix}/exec/${exec}/start`;
  const started = await hijack(t.sock, startPath, { Detach: false, Tty: false });
  expectNoOutput(await started.output, `POST ${startPath}`);
  const inspectPath = `${t.prefix}/exec/${exec}/json`;
  const info = (await apiExpect(t.sock, "GET", inspectPath, 200)) as { Running?: unknown; ExitCode?: unknown } | null;
  const ms = now() - t0;
  if (info?.Running !== false || info.ExitCode !== 0) throw new Error(`GET ${inspectPath}: want Running false and ExitCode 0, got Running ${String(info?.Running)}, ExitCode ${String(info?.ExitCode)}`);
  return ms;
}

/**
 * `docker run --rm busybox true` without the CLI (nor its /_ping): create (AutoRemove), attach
 * hijacked, wait?condition=removed (its headers come at once, its body at the removal), start,
 * then the wait's answer (StatusCode 0) and the attach stream's end. Returns ms from the create's
 * sending to the later of those two, which is the wait's answer in practice (the CLI waits for
 * both too); afterwards (untimed) the container must be gone. `created` receives the id at once,
 * so a caller can remove the container when a later step fails.
 */
export async function runRmTrue(t: ApiTarget, network: string, created: (id: string) => void): Promise<number> {
  const t0 = now();
  const createPath = `${t.prefix}/containers/create`;
  const id = idOf(await apiExpect(t.sock, "POST", createPath, 201, {
    Image: "busybox", Cmd: ["true"], AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
    HostConfig: { AutoRemove: true, NetworkMode: network },
  }), "Id", `POST ${createPath}`);
  created(id);
  const attachPath = `${t.prefix}/containers/${id}/attach?stream=1&stdout=1&stderr=1`;
  const attached = await hijack(t.sock, attachPath);
  const waitPath = `${t.prefix}/containers/${id}/wait?condition=removed`;
  let output: Buffer;
  let waitBody: Buffer;
  try {
    // The CLI starts only once the wait's headers are in (the daemon has registered the wait).
    const wait = await apiStart(t.sock, "POST", waitPath);
    if (wait.status !== 200) throw describe("POST", waitPath, `HTTP ${wait.status} (want 200): ${errorText(await wait.body.catch(() => Buffer.alloc(0)))}`);
    await apiExpect(t.sock, "POST", `${t.prefix}/containers/${id}/start`, 204);
    [output, waitBody] = await Promise.all([attached.output, wait.body]);
  } catch (e) {
    attached.close();
    throw e;
  }
  const ms = now() - t0;
  expectNoOutput(output, `POST ${attachPath}`);
  let answer: { StatusCode?: unknown; Error?: { Message?: unknown } | null };
  try {
    answer = JSON.parse(waitBody.toString("utf8")) as typeof answer;
  } catch {
    throw describe("POST", waitPath, `answer is not JSON: ${waitBody.toString("utf8").slice(0, 200)}`);
  }
  if (answer.StatusCode !== 0 || (answer.Error && answer.Error.Message)) throw describe("POST", waitPath, `want StatusCode 0, got ${waitBody.toString("utf8").trim().slice(0, 200)}`);
  const gone = await apiCall(t.sock, "GET", `${t.prefix}/containers/${id}/json`);
  if (gone.status !== 404) throw new Error(`run --rm: container ${id.slice(0, 12)} still there after the wait for its removal (GET its json: HTTP ${gone.status})`);
  return ms;
}
