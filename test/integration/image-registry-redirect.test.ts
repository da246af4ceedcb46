import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, request, type Server, type IncomingHttpHeaders } from "node:http";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { FsContentStore } from "../../src/image/content/FsContentStore.js";
import { RegistryClient } from "../../src/image/registry/RegistryClient.js";
import { resolveRegistryHost } from "../../src/image/registry/hostConfig.js";
import { pullImage } from "../../src/image/registry/pull.js";
import { pushImage } from "../../src/image/registry/push.js";
import { parseReference } from "../../src/image/reference.js";
import { makeTestImage, registrySkipReason, startRegistry, type TestRegistry } from "../helpers/registry.js";

/**
 * Blob downloads that redirect to another origin (as registries backed by object storage do):
 * a proxy in front of a token-auth registry answers blob GETs with 307 to a "storage" server on
 * another port, which serves the bytes from the registry's storage directory. The client must
 * follow, and must not send the registry's token to the storage origin.
 */
const skip = registrySkipReason();
const suffix = randomBytes(4).toString("hex");
let reg: TestRegistry;
let work: string;
let proxy: Server;
let storage: Server;
let proxyHost: string;
const storageRequests: { url: string; headers: IncomingHttpHeaders }[] = [];

async function listen(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return (s.address() as { port: number }).port;
}

before(async () => {
  if (skip) return;
  reg = await startRegistry({ auth: "token" });
  work = await mkdtemp(join(tmpdir(), "berth-test-regredirect-"));
  storage = createServer((req, res) => {
    storageRequests.push({ url: req.url ?? "", headers: req.headers });
    const digest = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname.split("/").pop() ?? "");
    const s = createReadStream(reg.blobDataPath(digest));
    s.on("error", () => { res.writeHead(404); res.end(); });
    s.once("open", () => { res.writeHead(200, { "Content-Type": "application/octet-stream" }); s.pipe(res); });
  });
  const storagePort = await listen(storage);
  proxy = createServer((req, res) => {
    const m = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? "");
    if (req.method === "GET" && m && req.headers.authorization) {
      res.writeHead(307, { Location: `http://127.0.0.1:${storagePort}/data/${encodeURIComponent(m[1]!)}?sig=berth-test` });
      res.end();
      return;
    }
    const up = request({ host: "127.0.0.1", port: reg.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  proxyHost = `127.0.0.1:${await listen(proxy)}`;
});
after(async () => {
  if (skip) return;
  for (const s of [proxy, storage]) { s?.closeAllConnections(); await new Promise((r) => s?.close(r)); }
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

test("blob redirects to another origin are followed without the registry's credentials", { skip }, async () => {
  const creds = { username: "berth-test-user", password: "berth-test-pass" };
  const src = new FsContentStore(join(work, "src"));
  const img = await makeTestImage(src, [{ "a": randomBytes(10_000) }, { "b": "b" }]);
  const direct = await RegistryClient.forHost(reg.host, { credentials: creds });
  try {
    await pushImage(direct, src, parseReference(`${reg.host}/berth-test/redir-${suffix}:1`), img.manifestDescriptor);
  } finally {
    direct.close();
  }
  const client = new RegistryClient(await resolveRegistryHost(proxyHost), { credentials: creds });
  try {
    const dst = new FsContentStore(join(work, "dst"));
    const r = await pullImage(client, dst, parseReference(`${proxyHost}/berth-test/redir-${suffix}:1`));
    assert.equal(r.manifestDigest, img.manifestDescriptor.digest);
    for (const l of img.manifest.layers) assert.deepEqual(await dst.readBlob(l.digest), await src.readBlob(l.digest));
    assert.equal(storageRequests.length, 3); // two layers and the config
    assert.ok(storageRequests.every((q) => q.headers.authorization === undefined && q.url.includes("sig=berth-test")));
  } finally {
    client.close();
  }
});
