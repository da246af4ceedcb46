import { test } from "node:test";
import { strict as assert } from "node:assert";
import { PassThrough } from "node:stream";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { TarWriter } from "./tarWriter.js";
import { readTar } from "../unpack/tarReader.js";
import { decompressed, sniffCompression } from "./compression.js";
import { isEngineError } from "../../errors/EngineError.js";

async function build(f: (w: TarWriter) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on("data", (c) => parts.push(c));
  await f(new TarWriter(out));
  out.end();
  return Buffer.concat(parts);
}

async function* chunks(b: Buffer, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function readAll(b: Buffer) {
  const out: { path: string; type: string; data: string }[] = [];
  for await (const { entry: e, body } of readTar(chunks(b, 333))) {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c);
    out.push({ path: e.path, type: e.type, data: Buffer.concat(parts).toString() });
  }
  return out;
}

const longName = "a/" + "very-long-directory-name/".repeat(8) + "file-with-a-long-name.txt";

test("tar writer output reads back, long names through PAX", async () => {
  const tar = await build(async (w) => {
    await w.directory("a");
    await w.file("a/x", Buffer.from("hello"));
    await w.file(longName, Buffer.from("long"));
    await w.fileFrom("b", 3, chunks(Buffer.from("abc"), 1));
    await w.finish();
  });
  assert.equal(tar.length % 512, 0);
  assert.deepEqual(await readAll(tar), [
    { path: "a/", type: "dir", data: "" },
    { path: "a/x", type: "file", data: "hello" },
    { path: longName, type: "file", data: "long" },
    { path: "b", type: "file", data: "abc" },
  ]);
});

test("GNU tar reads berth's archives and berth reads GNU tar's (long names included)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-tar-"));
  try {
    const tar = await build(async (w) => { await w.file(longName, Buffer.from("x1")); await w.finish(); });
    await writeFile(join(dir, "ours.tar"), tar);
    const r = spawnSync("tar", ["-tf", join(dir, "ours.tar")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), longName);
    const src = join(dir, "src");
    await import("node:fs/promises").then((fs) => fs.mkdir(join(src, "d".repeat(120)), { recursive: true }));
    await writeFile(join(src, "d".repeat(120), "f".repeat(110)), "gnu");
    for (const format of ["gnu", "posix"]) {
      const t = spawnSync("tar", ["-C", src, `--format=${format}`, "-cf", "-", "."], { maxBuffer: 1 << 24 });
      assert.equal(t.status, 0);
      const entries = await readAll(t.stdout);
      const f = entries.find((e) => e.type === "file")!;
      assert.equal(f.path, `./${"d".repeat(120)}/${"f".repeat(110)}`);
      assert.equal(f.data, "gnu");
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a truncated archive of ours is an InvalidArgument, whether cut in a body or in a header", async () => {
  const tar = await build(async (w) => { await w.file("x", Buffer.alloc(5000, 1)); await w.file("y", Buffer.from("y")); await w.finish(); });
  for (const cut of [2000, 512 * 11 + 100]) {
    await assert.rejects(readAll(tar.subarray(0, cut)), (e: unknown) => isEngineError(e, "InvalidArgument") && /end of archive/.test((e as Error).message));
  }
  await assert.rejects(readAll(Buffer.alloc(1024, 7)), (e: unknown) => isEngineError(e, "InvalidArgument") && /checksum/.test((e as Error).message));
});

test("gzip is sniffed and decompressed; corrupt gzip is an InvalidArgument", async () => {
  const data = Buffer.from("plain data ".repeat(1000));
  const gz = gzipSync(data);
  assert.equal(sniffCompression(gz), "gzip");
  assert.equal(sniffCompression(data), "none");
  const parts: Buffer[] = [];
  for await (const c of await decompressed(chunks(gz, 10), "t")) parts.push(Buffer.from(c));
  assert.deepEqual(Buffer.concat(parts), data);
  await assert.rejects(async () => { for await (const _ of await decompressed(chunks(gz.subarray(0, gz.length - 20)), "t")) { /* drain */ } }, (e: unknown) => isEngineError(e, "InvalidArgument"));
  await assert.rejects(decompressed(chunks(Buffer.from([0x42, 0x5a, 0x68, 0x39, 0, 0])), "t"), (e: unknown) => isEngineError(e, "NotImplemented"));
});
