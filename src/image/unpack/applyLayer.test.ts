import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { isEngineError } from "../../errors/EngineError.js";
import { applyLayer } from "./applyLayer.js";
import { dataPadding, encodeHeader, endOfArchive } from "./tarWriter.js";

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

function tarOf(files: Record<string, string>): Buffer {
  const mtime = new Date("2020-01-01T00:00:00Z");
  const parts: Buffer[] = [];
  for (const [path, data] of Object.entries(files)) {
    parts.push(encodeHeader({ path, type: "file", mode: 0o644, uid: 0, gid: 0, size: data.length, mtime }), Buffer.from(data), dataPadding(data.length));
  }
  parts.push(endOfArchive());
  return Buffer.concat(parts);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-apply-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("applyLayer: a plain tar's stored digest is its diff_id (not hashed again); a wrong one is refused before anything is written", async () => {
  const tar = tarOf({ a: "one", b: "two" });
  await withDir(async (dir) => {
    const r = await applyLayer(dir, once(tar), { privileged: false, storedDigest: sha(tar), expectedDiffId: sha(tar) });
    assert.equal(r.diffId, sha(tar));
    assert.equal(r.tarSize, tar.length);
    assert.equal(await readFile(join(dir, "b"), "utf8"), "two");
  });
  await withDir(async (dir) => {
    // The stored digest is trusted as the content: it must match what the config expects.
    const other = `sha256:${"0".repeat(64)}`;
    await assert.rejects(applyLayer(dir, once(tar), { privileged: false, storedDigest: sha(tar), expectedDiffId: other }), (e) => isEngineError(e, "InvalidArgument") && e.message === `unpack layer: diff id mismatch: expected ${other}, got ${sha(tar)}`);
    assert.deepEqual(await readdir(dir), []);
  });
});

test("applyLayer: a compressed layer is hashed whatever its stored digest says", async () => {
  const tar = tarOf({ x: "compressed" });
  const gz = gzipSync(tar);
  await withDir(async (dir) => {
    const r = await applyLayer(dir, once(gz), { privileged: false, storedDigest: sha(gz) });
    assert.equal(r.diffId, sha(tar), "the diff_id is the digest of the uncompressed tar");
    assert.equal(r.tarSize, tar.length);
    assert.equal(r.compression, "gzip");
  });
  await withDir(async (dir) => {
    await assert.rejects(applyLayer(dir, once(gz), { privileged: false, storedDigest: sha(gz), expectedDiffId: sha(gz) }), (e) => isEngineError(e, "InvalidArgument") && /diff id mismatch/.test(e.message));
  });
});
