/**
 * An API server with the daemon's real image and system backends (src/daemon/imageBackend.ts,
 * systemBackend.ts) over an ImageService on a throwaway data root, for driving them with the
 * real docker CLI. There are no containers here: listContainers answers an empty engine, and
 * image users are registered the way the container engine registers them (records.addUser).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ApiServer } from "../../src/api/server.js";
import type { EventMessage } from "../../src/api/types/system.js";
import { createImageBackend } from "../../src/daemon/imageBackend.js";
import type { ImageEventInput } from "../../src/daemon/imageEvents.js";
import { createSystemBackend } from "../../src/daemon/systemBackend.js";
import { openImageTestEnv, type ImageTestEnv } from "./image-testenv.js";

export const DOCKER = process.env.BERTH_TEST_DOCKER_CLI ?? "/usr/local/bin/docker";
export const dockerSkip = existsSync(DOCKER) ? false : `docker CLI not found at ${DOCKER}`;

export interface Run { code: number | null; stdout: string; stderr: string; out: Buffer }

export interface ImagesDaemon {
  env: ImageTestEnv;
  socketPath: string;
  home: string;
  events: ImageEventInput[];
  /** The docker CLI against this server, with a private HOME / DOCKER_CONFIG. */
  docker(args: string[], stdin?: Buffer | string): Promise<Run>;
  close(): Promise<void>;
}

export async function startImagesDaemon(opts: { running?: Set<string> } = {}): Promise<ImagesDaemon> {
  const env = await openImageTestEnv("daemon-images");
  const socketPath = join(env.root, "docker.sock");
  const home = join(env.root, "home");
  await mkdir(home, { recursive: true });
  const events: ImageEventInput[] = [];
  const images = createImageBackend({ images: env.service, emit: (e) => events.push(e), isContainerRunning: (id) => opts.running?.has(id) ?? false });
  const system = createSystemBackend({
    images: env.service, dataRoot: env.root, listContainers: async () => [], runtimePath: "/usr/local/libexec/berth/berth-shim",
    events: { subscribe: () => (async function* (): AsyncGenerator<EventMessage> {})() },
  });
  const server = new ApiServer({ socketPath, version: "0.1.0-test", backends: { images, system }, shutdownGraceMs: 200 });
  try {
    await server.listen();
  } catch (e) {
    await env.close();
    throw e;
  }
  return {
    env, socketPath, home, events,
    docker(args, stdin) {
      return new Promise((resolve, reject) => {
        const p = spawn(DOCKER, args, {
          env: { PATH: process.env.PATH, HOME: home, DOCKER_HOST: `unix://${socketPath}`, DOCKER_CONFIG: join(home, ".docker") },
          stdio: ["pipe", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        let stderr = "";
        p.stdout.on("data", (d: Buffer) => out.push(d));
        p.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
        p.on("error", reject);
        p.on("close", (code) => {
          clearTimeout(timer);
          const buf = Buffer.concat(out);
          resolve({ code, stdout: buf.toString("utf8"), stderr, out: buf });
        });
        p.stdin.on("error", () => {});
        p.stdin.end(stdin);
      });
    },
    async close() {
      try {
        await server.close();
      } finally {
        await env.close();
      }
    },
  };
}
