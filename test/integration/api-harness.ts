/**
 * Starts the API server on a unique temporary socket with the in-memory test engine, and tears
 * everything down (server, socket, temp dir) even when a test fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { randomBytes } from "node:crypto";
import { ApiServer, type ApiServerOptions } from "../../src/api/server.js";
import type { Backends } from "../../src/api/backend.js";
import { TestEngine } from "./api-test-backend.js";

export interface Harness {
  engine: TestEngine;
  server: ApiServer;
  socketPath: string;
  dir: string;
  cleanup(): Promise<void>;
}

export async function startHarness(opts: { backends?: (engine: TestEngine) => Backends; server?: Partial<ApiServerOptions> } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), `berth-test-api-${randomBytes(4).toString("hex")}-`));
  const socketPath = join(dir, "docker.sock");
  const engine = new TestEngine(dir);
  const server = new ApiServer({
    socketPath, version: "0.1.0-test", backends: opts.backends ? opts.backends(engine) : engine.backends(), shutdownGraceMs: 200,
    ...opts.server,
  });
  try {
    await server.listen();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    engine, server, socketPath, dir,
    async cleanup() {
      try {
        await server.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** A plain HTTP request on the socket (no client library in the way). */
export function rawRequest(socketPath: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
