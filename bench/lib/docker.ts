/**
 * The docker CLI (/usr/local/bin/docker, or $BERTH_TEST_DOCKER_CLI) as the benchmarks drive it:
 * asynchronous so that several commands can run at once, each killed after a timeout, with a
 * private config directory (never root's ~/.docker). Also a bounded-parallelism map and a tiny
 * HTTP client for the API over the daemon's unix socket (no CLI process in the measurement).
 */
import { spawn } from "node:child_process";
import { mkdirSync, openSync, closeSync } from "node:fs";
import { request } from "node:http";
import { DOCKER_CLI } from "../../test/helpers/daemon.js";

export { DOCKER_CLI };

const CONFIG = "/tmp/berth-bench-docker-config";
mkdirSync(CONFIG, { recursive: true });
const ENV = { PATH: process.env.PATH, HOME: "/tmp", DOCKER_CONFIG: CONFIG };

export interface CliResult { code: number | null; ms: number; stdout: string; stdoutBuf: Buffer; stderr: string }

/**
 * Runs `docker -H unix://sock args...`. With `stdoutToDevNull` the CLI writes straight to
 * /dev/null (as `> /dev/null` in a shell), so reading its output costs this process nothing.
 */
export function dockerCli(sock: string, args: string[], opts: { input?: Buffer; timeoutMs?: number; stdoutToDevNull?: boolean } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const devNull = opts.stdoutToDevNull ? openSync("/dev/null", "w") : undefined;
    const t0 = process.hrtime.bigint();
    const p = spawn(DOCKER_CLI, ["-H", `unix://${sock}`, ...args], { env: ENV, stdio: ["pipe", devNull ?? "pipe", "pipe"] });
    if (devNull !== undefined) closeSync(devNull);
    const out: Buffer[] = [];
    let err = "";
    p.stdout?.on("data", (d: Buffer) => out.push(d));
    p.stderr!.on("data", (d) => { err = (err + d).slice(-4000); });
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    p.on("error", (e) => { clearTimeout(timer); reject(e); });
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const buf = Buffer.concat(out);
      resolve({ code: signal ? null : code, ms, stdout: buf.toString(), stdoutBuf: buf, stderr: signal ? `killed (${signal}) after ${opts.timeoutMs ?? 120_000} ms; ${err}` : err });
    });
    p.stdin!.end(opts.input);
  });
}

/** dockerCli that throws "docker <args>: exit N: stderr" unless it succeeded. */
export async function dockerOk(sock: string, args: string[], opts: { input?: Buffer; timeoutMs?: number; stdoutToDevNull?: boolean } = {}): Promise<CliResult> {
  const r = await dockerCli(sock, args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 6).join(" ")}${args.length > 6 ? " …" : ""}: exit ${r.code}: ${r.stderr.trim().slice(0, 500)}`);
  return r;
}

/** Maps `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function runBounded<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** GET `path` on the daemon's socket; resolves with the status, the body's size and the time. */
export function apiGet(sock: string, path: string): Promise<{ status: number; bytes: number; ms: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ socketPath: sock, path, method: "GET", headers: { Host: "docker" }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, bytes: body.length, ms: Number(process.hrtime.bigint() - t0) / 1e6, body });
      });
      res.on("error", reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`GET ${path}: no answer in 60 s`)));
    req.on("error", reject);
    req.end();
  });
}
