import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { createSign, randomBytes, X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Starts Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with a private storage
 * directory and a generated config, optionally behind htpasswd Basic auth or token auth (a tiny
 * token server here signs JWTs with an openssl-made key; the registry trusts its certificate).
 * Everything lives in one temp dir that `stop()` removes after killing the process.
 */
export type RegistryAuth = "none" | "basic" | "token";

export interface TestRegistry {
  host: string; // "127.0.0.1:PORT"
  port: number;
  dir: string;
  storageDir: string;
  auth: RegistryAuth;
  /** Requests the token server answered (token mode), for assertions. */
  tokenRequests: URL[];
  /** The file holding a blob's bytes in the registry's storage (for corruption tests). */
  blobDataPath(digest: string): string;
  stop(): Promise<void>;
}

const REGISTRY_BIN = "/usr/bin/docker-registry";

/** Why registry tests cannot run here, or undefined when they can. */
export function registrySkipReason(): string | undefined {
  if (!existsSync(REGISTRY_BIN)) return "docker-registry is not installed (apt-get install docker-registry)";
  if (!existsSync("/usr/bin/htpasswd")) return "htpasswd is not installed (apt-get install apache2-utils)";
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRegistry(opts: { auth?: RegistryAuth; users?: Record<string, string> } = {}): Promise<TestRegistry> {
  const auth = opts.auth ?? "none";
  const users = opts.users ?? { "berth-test-user": "berth-test-pass" };
  const dir = await mkdtemp(join(tmpdir(), "berth-test-registry-"));
  const storageDir = join(dir, "storage");
  let proc: ChildProcess | undefined;
  let tokenServer: Server | undefined;
  const tokenRequests: URL[] = [];
  const stop = async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc!.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc!.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(t);
    }
    if (tokenServer) await new Promise((r) => tokenServer!.close(r));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    let authYaml = "";
    if (auth === "basic") {
      const lines = Object.entries(users).map(([u, p]) => {
        const r = spawnSync("htpasswd", ["-Bbn", u, p], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
        return r.stdout.trim();
      });
      await writeFile(join(dir, "htpasswd"), lines.join("\n") + "\n");
      authYaml = `auth:\n  htpasswd:\n    realm: berth-test-realm\n    path: ${join(dir, "htpasswd")}\n`;
    } else if (auth === "token") {
      const key = join(dir, "token.key");
      const cert = join(dir, "token.crt");
      const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=berth-test-token-issuer"], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
      const tokenPort = await freePort();
      tokenServer = await startTokenServer(tokenPort, await readFile(key, "utf8"), await readFile(cert, "utf8"), users, tokenRequests);
      authYaml = `auth:\n  token:\n    realm: http://127.0.0.1:${tokenPort}/token\n    service: berth-test-registry\n    issuer: berth-test-issuer\n    rootcertbundle: ${cert}\n`;
    }
    const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString("hex")}
${authYaml}`;
    await writeFile(join(dir, "config.yml"), config);
    proc = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
    await waitReady(port, proc, () => stderr);
    return {
      host: `127.0.0.1:${port}`, port, dir, storageDir, auth, tokenRequests, stop,
      blobDataPath: (digest) => {
        const hex = digest.slice("sha256:".length);
        return join(storageDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitReady(port: number, proc: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited with ${proc.exitCode}: ${stderr()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on port ${port}: ${stderr()}`);
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** Issues registry JWTs (distribution's token spec) to users with the right Basic password. */
async function startTokenServer(port: number, keyPem: string, certPem: string, users: Record<string, string>, log: URL[]): Promise<Server> {
  const certDer = new X509Certificate(certPem).raw.toString("base64");
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    log.push(url);
    const authz = req.headers.authorization;
    let subject = "";
    if (authz?.startsWith("Basic ")) {
      const [u, ...rest] = Buffer.from(authz.slice(6), "base64").toString().split(":");
      if (!u || users[u] !== rest.join(":")) {
        res.writeHead(401, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "incorrect username or password" }] }));
        return;
      }
      subject = u;
    }
    // Anonymous callers get a token without access; authenticated users get what they asked.
    const access = subject
      ? url.searchParams.getAll("scope").map((s) => {
          const [type, name, actions] = s.split(":");
          return { type, name, actions: (actions ?? "").split(",").filter(Boolean) };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", x5c: [certDer] };
    const claims = { iss: "berth-test-issuer", sub: subject, aud: url.searchParams.get("service"), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign("RSA-SHA256").update(signingInput).sign(keyPem);
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ token: `${signingInput}.${b64url(sig)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return server;
}

// ---- small images built in tests ----

import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { TarWriter } from "../../src/image/archive/tarWriter.js";
import type { ContentIngester } from "../../src/image/content/ContentStore.js";
import type { Descriptor, ImageConfig, Manifest, Platform } from "../../src/oci/image.js";

const sha = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** A tar of the given files (path → content), directories implied, as a layer's bytes. */
export async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on("data", (c) => parts.push(c));
  const w = new TarWriter(out);
  const dirs = new Set<string>();
  for (const p of Object.keys(files)) {
    const segs = p.split("/");
    for (let i = 1; i < segs.length; i++) {
      const d = segs.slice(0, i).join("/");
      if (!dirs.has(d)) { dirs.add(d); await w.directory(d); }
    }
    const v = files[p]!;
    await w.file(p, Buffer.isBuffer(v) ? v : Buffer.from(v));
  }
  await w.finish();
  out.end();
  return Buffer.concat(parts);
}

export interface TestImage {
  manifestDescriptor: Descriptor;
  manifest: Manifest;
  manifestBytes: Buffer;
  config: ImageConfig;
  layers: Buffer[];
}

/** Writes an OCI image (gzip layers by default) with the given layer contents into a store. */
export async function makeTestImage(store: ContentIngester, layerFiles: Record<string, string | Buffer>[], opts: { gzip?: boolean; platform?: Platform; cmd?: string[] } = {}): Promise<TestImage> {
  const gzip = opts.gzip ?? true;
  const layers: Descriptor[] = [];
  const raw: Buffer[] = [];
  const diffIds: string[] = [];
  for (const files of layerFiles) {
    const tar = await tarOf(files);
    diffIds.push(sha(tar));
    const blob = gzip ? gzipSync(tar) : tar;
    raw.push(blob);
    await store.write({ digest: sha(blob), size: blob.length }, blob);
    layers.push({ mediaType: gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar", digest: sha(blob), size: blob.length });
  }
  const platform = opts.platform ?? { os: "linux", architecture: "amd64" };
  const config: ImageConfig = {
    created: "2026-01-01T00:00:00Z", architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Cmd: opts.cmd ?? ["/bin/sh"], Env: ["PATH=/usr/bin:/bin"] },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created_by: `berth-test layer ${i}` })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  await store.write({ digest: sha(configBytes), size: configBytes.length }, configBytes);
  const manifest: Manifest = {
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(configBytes), size: configBytes.length }, layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  await store.write({ digest: sha(manifestBytes), size: manifestBytes.length }, manifestBytes);
  return { manifestDescriptor: { mediaType: manifest.mediaType!, digest: sha(manifestBytes), size: manifestBytes.length }, manifest, manifestBytes, config, layers: raw };
}

/** Writes an index over the given manifests (each with its platform) into a store. */
export async function makeTestIndex(store: ContentIngester, entries: { descriptor: Descriptor; platform: Platform }[]): Promise<Descriptor> {
  const index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: entries.map((e) => ({ ...e.descriptor, platform: e.platform })) };
  const bytes = Buffer.from(JSON.stringify(index));
  await store.write({ digest: sha(bytes), size: bytes.length }, bytes);
  return { mediaType: index.mediaType, digest: sha(bytes), size: bytes.length };
}

// ---- a private dockerd (Debian's docker.io) as an oracle for archives and pulls ----

export interface TestDockerd {
  sock: string;
  /** Runs the docker CLI against this daemon; throws with stderr on failure. */
  docker(args: string[], input?: Buffer): string;
  /** Ends the daemon but keeps its data root until stop (a benchmark deleting nothing mid-way). */
  halt(): Promise<void>;
  stop(): Promise<void>;
}

export function dockerdSkipReason(): string | undefined {
  if (!existsSync("/usr/sbin/dockerd")) return "dockerd is not installed (apt-get install docker.io)";
  if (!existsSync("/usr/bin/docker")) return "the docker CLI is not installed";
  return undefined;
}

/**
 * Starts dockerd on a private socket, data root and exec root (no bridge, no iptables, so it
 * leaves the host's network alone); `stop()` terminates it, unmounts whatever it left under its
 * data root and removes the directory. `bridge`: an existing Linux bridge (with its address)
 * for dockerd's default network instead of none; still without iptables rules.
 *
 * dockerd's log goes to a file, never to a pipe: a caller blocked in spawnSync (the benchmarks)
 * does not drain a pipe, and once its 64 KiB fill dockerd stops in a log write and never
 * answers (seen as `docker exec` and `run --rm` "hanging" in bench/daemon-run).
 */
export async function startTestDockerd(opts: { insecureRegistries?: string[]; bridge?: string } = {}): Promise<TestDockerd> {
  const base = await mkdtemp(join(tmpdir(), "berth-test-dockerd-"));
  const sock = join(base, "docker.sock");
  const logFile = join(base, "dockerd.log");
  const log = openSync(logFile, "a");
  const proc = spawn("dockerd", [
    "--host", `unix://${sock}`, "--data-root", join(base, "data"), "--exec-root", join(base, "exec"), "--pidfile", join(base, "dockerd.pid"),
    ...(opts.insecureRegistries ?? []).flatMap((r) => ["--insecure-registry", r]),
    "--iptables=false", "--ip6tables=false", "--ip-forward=false", `--bridge=${opts.bridge ?? "none"}`,
  ], { stdio: ["ignore", log, log] });
  closeSync(log);
  const logTail = () => { try { return readFileSync(logFile, "utf8").slice(-3000); } catch { return ""; } };
  const halt = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(t);
    }
  };
  const stop = async () => {
    await halt();
    const mounts = (await readFile("/proc/self/mounts", "utf8")).split("\n").map((l) => l.split(" ")[1] ?? "").filter((m) => m.startsWith(base + "/")).sort().reverse();
    for (const m of mounts) spawnSync("umount", ["-l", m]);
    await rm(base, { recursive: true, force: true });
  };
  const docker = (args: string[], input?: Buffer) => {
    const r = spawnSync("docker", ["-H", `unix://${sock}`, ...args], { input, maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr?.toString() || r.error}`);
    return r.stdout.toString();
  };
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) {
      const errText = logTail();
      await stop();
      throw new Error(`dockerd exited with ${proc.exitCode}: ${errText}`);
    }
    if (spawnSync("docker", ["-H", `unix://${sock}`, "version"], { stdio: "ignore" }).status === 0) return { sock, docker, halt, stop };
    await new Promise((r) => setTimeout(r, 150));
  }
  const errText = logTail();
  await stop();
  throw new Error(`dockerd did not answer on ${sock}: ${errText}`);
}
