/**
 * Cross-repository blob mount on push against Debian's docker-registry: berth remembers which
 * repositories of which registry hold each blob (pulled from or pushed to), and a push to
 * another repository of the same registry mounts the blobs instead of uploading them. A
 * recording HTTP proxy in front of the registry shows which requests were made.
 */
import { test, after } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, request as httpRequest, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import { MAX_PER_DIGEST } from "../../src/image/metadata/BlobSources.js";
import type { ProgressEvent } from "../../src/image/registry/progress.js";
import { makeTestImage, registrySkipReason, startRegistry, type TestRegistry } from "../helpers/registry.js";
import { openImageTestEnv, skipUnlessRoot, type ImageTestEnv } from "./image-testenv.js";

const skip = registrySkipReason() || skipUnlessRoot || false;
const suffix = randomBytes(3).toString("hex");
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface RecordingProxy { host: string; log: string[]; clear(): void }

/** Forwards everything to the registry and records "METHOD path?query" of each request. */
async function recordingProxy(reg: TestRegistry): Promise<RecordingProxy> {
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    const up = httpRequest({ host: "127.0.0.1", port: reg.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      // The registry's Location headers name its own address: keep the client on the proxy.
      const headers = { ...r.headers };
      if (typeof headers.location === "string") headers.location = headers.location.replace(`//${reg.host}/`, `//127.0.0.1:${port}/`);
      res.writeHead(r.statusCode ?? 502, headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  cleanups.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { host: `127.0.0.1:${port}`, log, clear: () => { log.length = 0; } };
}

async function env(): Promise<ImageTestEnv> {
  const e = await openImageTestEnv("regmount");
  cleanups.push(() => e.close());
  return e;
}

async function push(e: ImageTestEnv, ref: string): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  await e.service.push(ref, { onProgress: (ev) => events.push(ev) });
  return events;
}

/** The final status of every blob that had a progress line (only layers: see pushImage). */
const statuses = (events: ProgressEvent[]) => events.filter((e) => e.id && ["Pushed", "Mounted from", "Layer already exists"].includes(e.status)).map((e) => `${e.id} ${e.status}${e.detail ? " " + e.detail : ""}`).sort();
const uploads = (log: string[]) => log.filter((l) => /^(PUT|PATCH) .*\/blobs\/uploads\//.test(l));

test("push to a second repository of the same registry mounts the blobs; another registry uploads them", { skip }, async () => {
  const reg = await startRegistry();
  cleanups.push(() => reg.stop());
  const other = await startRegistry();
  cleanups.push(() => other.stop());
  const proxy = await recordingProxy(reg);
  const e = await env();
  const img = await makeTestImage(e.service.content, [{ "etc/berth-test": `one ${suffix}` }, { "bin/tool": "two" }]);
  const blobs = [img.manifest.config.digest, ...img.manifest.layers.map((l) => l.digest)];
  // Progress lines are per layer (Docker's); the config is uploaded or mounted silently.
  const ids = img.config.rootfs.diff_ids.map((d) => d.slice(7, 19)); // push lines are keyed by diff ID, as Docker's
  const a = `${proxy.host}/berth-test/mount-a-${suffix}:1`;
  const b = `${proxy.host}/berth-test/mount-b-${suffix}:1`;
  await e.service.recordImage(img.manifestDescriptor, [a, b, `${other.host}/berth-test/mount-a-${suffix}:1`]);

  const first = await push(e, a);
  assert.deepEqual(statuses(first), ids.map((id) => `${id} Pushed`).sort());
  assert.equal(uploads(proxy.log).length, blobs.length);
  for (const d of blobs) assert.deepEqual(e.service.records.blobSources.repositories(d, proxy.host), [`berth-test/mount-a-${suffix}`]);

  proxy.clear();
  const second = await push(e, b);
  assert.deepEqual(statuses(second), ids.map((id) => `${id} Mounted from berth-test/mount-a-${suffix}`).sort());
  assert.deepEqual(uploads(proxy.log), [], proxy.log.join("\n"));
  for (const d of blobs) {
    assert.ok(proxy.log.includes(`POST /v2/berth-test/mount-b-${suffix}/blobs/uploads/?mount=${encodeURIComponent(d)}&from=${encodeURIComponent(`berth-test/mount-a-${suffix}`)}`), proxy.log.join("\n"));
    assert.deepEqual(e.service.records.blobSources.repositories(d, proxy.host), [`berth-test/mount-b-${suffix}`, `berth-test/mount-a-${suffix}`]);
  }
  // The mounted repository really serves the image.
  const check = await env();
  const pulled = await check.service.pull(b, { unpack: false });
  assert.equal(pulled.manifestDigest, img.manifestDescriptor.digest);

  // Another registry knows nothing of these blobs: a normal upload, no mount attempted.
  const elsewhere = await push(e, `${other.host}/berth-test/mount-a-${suffix}:1`);
  assert.deepEqual(statuses(elsewhere), ids.map((id) => `${id} Pushed`).sort());
});

test("a pulled image's blobs are mounted when pushed to another repository; a stale hint falls back to an upload", { skip }, async () => {
  const reg = await startRegistry();
  cleanups.push(() => reg.stop());
  const proxy = await recordingProxy(reg);
  const src = await env();
  const img = await makeTestImage(src.service.content, [{ "etc/pulled": `x ${suffix}` }]);
  const blobs = [img.manifest.config.digest, ...img.manifest.layers.map((l) => l.digest)];
  const ids = img.config.rootfs.diff_ids.map((d) => d.slice(7, 19)); // push lines are keyed by diff ID, as Docker's
  const origin = `${proxy.host}/berth-test/origin-${suffix}:1`;
  await src.service.recordImage(img.manifestDescriptor, [origin]);
  await push(src, origin);

  // A second engine learns the blobs' home by pulling (and unpacking) the image.
  const e = await env();
  await e.service.pull(origin);
  for (const d of blobs) assert.deepEqual(e.service.records.blobSources.repositories(d, proxy.host), [`berth-test/origin-${suffix}`]);
  const copy = `${proxy.host}/berth-test/copy-${suffix}:1`;
  await e.service.recordImage(img.manifestDescriptor, [copy]);
  proxy.clear();
  assert.deepEqual(statuses(await push(e, copy)), ids.map((id) => `${id} Mounted from berth-test/origin-${suffix}`).sort());
  assert.deepEqual(uploads(proxy.log), []);

  // A repository that does not hold the blob: the registry opens a normal upload instead.
  const img2 = await makeTestImage(e.service.content, [{ "etc/stale": `y ${suffix}` }]);
  const blobs2 = [img2.manifest.config.digest, ...img2.manifest.layers.map((l) => l.digest)];
  e.service.records.blobSources.record(proxy.host, `berth-test/never-${suffix}`, blobs2);
  const third = `${proxy.host}/berth-test/third-${suffix}:1`;
  await e.service.recordImage(img2.manifestDescriptor, [third]);
  proxy.clear();
  assert.deepEqual(statuses(await push(e, third)), img2.config.rootfs.diff_ids.map((d) => `${d.slice(7, 19)} Pushed`).sort());
  assert.ok(proxy.log.some((l) => l.includes(`&from=${encodeURIComponent(`berth-test/never-${suffix}`)}`)), proxy.log.join("\n"));
  assert.equal(uploads(proxy.log).length, blobs2.length);
  // The stale hint is dropped, as Docker drops v2metadata that failed to mount.
  for (const d of blobs2) assert.deepEqual(e.service.records.blobSources.repositories(d, proxy.host), [`berth-test/third-${suffix}`]);

  // Several candidates: the newest is stale (its upload session is cancelled), the next mounts.
  e.service.records.blobSources.record(proxy.host, `berth-test/gone-${suffix}`, blobs);
  const fourth = `${proxy.host}/berth-test/fourth-${suffix}:1`;
  await e.service.recordImage(img.manifestDescriptor, [fourth]);
  proxy.clear();
  assert.deepEqual(statuses(await push(e, fourth)), ids.map((id) => `${id} Mounted from berth-test/copy-${suffix}`).sort());
  assert.deepEqual(uploads(proxy.log), []);
  assert.equal(proxy.log.filter((l) => l.startsWith(`DELETE /v2/berth-test/fourth-${suffix}/blobs/uploads/`)).length, blobs.length, proxy.log.join("\n"));
  for (const d of blobs) assert.ok(!e.service.records.blobSources.repositories(d, proxy.host).includes(`berth-test/gone-${suffix}`));
});

test("blob sources stay bounded per digest, newest first", { skip: skipUnlessRoot }, async () => {
  const e = await env();
  const digest = `sha256:${"ab".repeat(32)}`;
  let t = 0;
  const { BlobSources } = await import("../../src/image/metadata/BlobSources.js");
  const sources = new BlobSources(e.db, () => ++t);
  for (let i = 0; i < MAX_PER_DIGEST + 3; i++) sources.record("r.example", `repo-${i}`, [digest]);
  const repos = sources.repositories(digest, "r.example");
  assert.equal(repos.length, MAX_PER_DIGEST);
  assert.equal(repos[0], `repo-${MAX_PER_DIGEST + 2}`);
  assert.deepEqual(sources.mountSources(digest, "r.example", `repo-${MAX_PER_DIGEST + 2}`), repos.slice(1));
  assert.deepEqual(sources.mountSources(digest, "other.example", "x"), []);
  sources.forgetSource(digest, "r.example", repos[1]!);
  assert.deepEqual(sources.repositories(digest, "r.example"), [repos[0], ...repos.slice(2)]);
  sources.forget([digest]);
  assert.deepEqual(sources.repositories(digest, "r.example"), []);
});
