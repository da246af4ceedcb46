import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, request, type Server } from "node:http";
import { mkdtemp, rm, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { FsContentStore } from "../../src/image/content/FsContentStore.js";
import type { ContentStore } from "../../src/image/content/ContentStore.js";
import { RegistryClient } from "../../src/image/registry/RegistryClient.js";
import { resolveRegistryHost } from "../../src/image/registry/hostConfig.js";
import { pullImage } from "../../src/image/registry/pull.js";
import { pushImage } from "../../src/image/registry/push.js";
import type { ProgressEvent } from "../../src/image/registry/progress.js";
import { parseReference } from "../../src/image/reference.js";
import { isEngineError } from "../../src/errors/EngineError.js";
import { makeTestImage, registrySkipReason, startRegistry, type TestRegistry } from "../helpers/registry.js";

/**
 * A loopback proxy in front of the registry that cuts the connection in the middle of a blob
 * download (destroying the socket after `cutAfter` body bytes), to exercise resume and clean
 * discard of partial downloads.
 */
const skip = registrySkipReason();
const suffix = randomBytes(4).toString("hex");
let reg: TestRegistry;
let work: string;
let proxy: Server;
let proxyHost: string;
const cut = { digest: "", cutAfter: 0, remaining: 0 };
const ranges: (string | undefined)[] = [];

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  work = await mkdtemp(join(tmpdir(), "berth-test-regresume-"));
  proxy = createServer((req, res) => {
    const isTarget = cut.digest !== "" && req.method === "GET" && req.url?.endsWith(`/blobs/${cut.digest}`);
    if (isTarget) ranges.push(req.headers.range);
    const up = request({ host: "127.0.0.1", port: reg.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (!isTarget || cut.remaining <= 0) {
        ur.pipe(res);
        return;
      }
      cut.remaining--;
      let sent = 0;
      ur.on("data", (c: Buffer) => {
        if (sent >= cut.cutAfter) return;
        const piece = c.subarray(0, cut.cutAfter - sent);
        sent += piece.length;
        res.write(piece, () => {
          if (sent >= cut.cutAfter) {
            ur.destroy();
            res.socket?.destroy();
          }
        });
      });
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  proxyHost = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
after(async () => {
  if (skip) return;
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

async function pushed(tag: string) {
  const src = new FsContentStore(await mkdtemp(join(work, "src-")));
  const img = await makeTestImage(src, [{ "blob.bin": randomBytes(600_000) }], { gzip: false });
  const direct = await RegistryClient.forHost(reg.host);
  try {
    await pushImage(direct, src, parseReference(`${reg.host}/berth-test/resume-${suffix}:${tag}`), img.manifestDescriptor);
  } finally {
    direct.close();
  }
  return img;
}

async function viaProxy(): Promise<RegistryClient> {
  return new RegistryClient(await resolveRegistryHost(proxyHost), { retryDelayMs: 10 });
}

test("a connection cut mid-blob is resumed with a Range request in the same pull", { skip }, async () => {
  const img = await pushed("a");
  const layer = img.manifest.layers[0]!;
  Object.assign(cut, { digest: layer.digest, cutAfter: 200_000, remaining: 1 });
  ranges.length = 0;
  const client = await viaProxy();
  try {
    const dst = new FsContentStore(await mkdtemp(join(work, "dst-")));
    const events: ProgressEvent[] = [];
    const r = await pullImage(client, dst, parseReference(`${proxyHost}/berth-test/resume-${suffix}:a`), { onProgress: (e) => events.push(e) });
    assert.equal(r.manifestDigest, img.manifestDescriptor.digest);
    assert.deepEqual(await dst.readBlob(layer.digest), img.layers[0]);
    assert.equal(ranges[0], undefined);
    assert.match(ranges[1] ?? "", /^bytes=(\d+)-$/);
    assert.ok(Number(/(\d+)/.exec(ranges[1]!)![1]) > 0);
    assert.ok(events.some((e) => e.status === "Retrying"));
    assert.deepEqual(await dst.listIngests!(), []);
  } finally {
    client.close();
  }
});

test("an interrupted pull keeps its partial blob in the ingest, and the next pull resumes it", { skip }, async () => {
  const img = await pushed("b");
  const layer = img.manifest.layers[0]!;
  Object.assign(cut, { digest: layer.digest, cutAfter: 300_000, remaining: 1 });
  ranges.length = 0;
  const client = await viaProxy();
  try {
    const dst = new FsContentStore(await mkdtemp(join(work, "dst-")));
    const ref = parseReference(`${proxyHost}/berth-test/resume-${suffix}:b`);
    await assert.rejects(pullImage(client, dst, ref, { blobAttempts: 1 }), (e: unknown) => isEngineError(e, "Unavailable"));
    const partial = await dst.listIngests!();
    assert.equal(partial.length, 1);
    assert.equal(partial[0]!.expected.digest, layer.digest);
    assert.ok(partial[0]!.offset > 0 && partial[0]!.offset <= 300_000);
    assert.equal(await dst.has(layer.digest), false);
    assert.equal(await dst.has(img.manifestDescriptor.digest), false);

    const r = await pullImage(client, dst, ref);
    assert.equal(r.manifestDigest, img.manifestDescriptor.digest);
    assert.equal(ranges.at(-1), `bytes=${partial[0]!.offset}-`);
    assert.deepEqual(await dst.readBlob(layer.digest), img.layers[0]);
    assert.deepEqual(await dst.listIngests!(), []);
  } finally {
    client.close();
  }
});

test("with a store that has no resumable ingest, an interrupted pull leaves no partial file", { skip }, async () => {
  const img = await pushed("c");
  const layer = img.manifest.layers[0]!;
  Object.assign(cut, { digest: layer.digest, cutAfter: 100_000, remaining: 1 });
  const client = await viaProxy();
  try {
    const root = await mkdtemp(join(work, "dst-"));
    const fs = new FsContentStore(root);
    // The same store seen through the minimal interface: no ingest().
    const plain: ContentStore = {
      info: (d) => fs.info(d), has: (d) => fs.has(d), readBlob: (d) => fs.readBlob(d), openRead: (d, o) => fs.openRead(d, o), blobPath: (d) => fs.blobPath(d),
      write: (e, data) => fs.write(e, data), writeUnverified: (data) => fs.writeUnverified(data), list: () => fs.list(), delete: (d) => fs.delete(d),
    };
    await assert.rejects(pullImage(client, plain, parseReference(`${proxyHost}/berth-test/resume-${suffix}:c`), { blobAttempts: 1 }), (e: unknown) => isEngineError(e, "Unavailable"));
    assert.equal(await fs.has(layer.digest), false);
    const leftovers = await readdir(join(root, "content", "ingest")).catch(() => []);
    assert.deepEqual(leftovers, []);
  } finally {
    client.close();
  }
});
