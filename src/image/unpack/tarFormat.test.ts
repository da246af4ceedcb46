import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../../errors/EngineError.js";
import { cleanEntryPath } from "./safePath.js";
import { parsePax, readTar, type TarEntry } from "./tarReader.js";
import { dataPadding, encodeHeader, endOfArchive } from "./tarWriter.js";
import { isOpaqueValue, isOverlayWhiteout, whiteoutName } from "./whiteout.js";
import { detectCompression } from "./decompress.js";

async function* chunked(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function readAll(b: Buffer, chunk = 7): Promise<Array<{ e: TarEntry; data: string }>> {
  const out: Array<{ e: TarEntry; data: string }> = [];
  for await (const { entry, body } of readTar(chunked(b, chunk))) {
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c);
    out.push({ e: entry, data: Buffer.concat(parts).toString() });
  }
  return out;
}

test("tar: writer and reader round-trip long names, binary xattrs, big ids, devices", async () => {
  const mtime = new Date("2022-01-01T00:00:00Z");
  const cap = Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0xff, 0x0a, 0x3d, 0x20]);
  const long = `${"dir/".repeat(40)}name`;
  const b = Buffer.concat([
    encodeHeader({ path: "d", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtime }),
    encodeHeader({ path: long, type: "file", mode: 0o4755, uid: 3_000_000, gid: 7, size: 5, mtime, xattrs: new Map([["security.capability", cap]]) }),
    Buffer.from("hello"),
    dataPadding(5),
    encodeHeader({ path: "l", type: "symlink", linkpath: `/${"x".repeat(150)}`, mode: 0o777, uid: 0, gid: 0, size: 0, mtime }),
    encodeHeader({ path: "dev/null", type: "char", mode: 0o666, uid: 0, gid: 0, size: 0, mtime, devmajor: 1, devminor: 3 }),
    endOfArchive(),
  ]);
  const got = await readAll(b);
  assert.deepEqual(got.map((g) => [g.e.path, g.e.type]), [["d/", "dir"], [long, "file"], ["l", "symlink"], ["dev/null", "char"]]);
  assert.equal(got[1]!.data, "hello");
  assert.equal(got[1]!.e.uid, 3_000_000);
  assert.equal(got[1]!.e.mode, 0o4755);
  assert.deepEqual(got[1]!.e.xattrs.get("security.capability"), cap);
  assert.equal(got[2]!.e.linkpath, `/${"x".repeat(150)}`);
  assert.deepEqual([got[3]!.e.devmajor, got[3]!.e.devminor], [1, 3]);
  assert.equal(got[0]!.e.mtime.getTime(), mtime.getTime());
});

test("tar: unread bodies are skipped; truncation and bad checksums are InvalidArgument", async () => {
  const b = Buffer.concat([encodeHeader({ path: "a", type: "file", mode: 0o644, uid: 0, gid: 0, size: 1000, mtime: new Date(0) }), Buffer.alloc(1000, 0x61), dataPadding(1000), encodeHeader({ path: "b", type: "file", mode: 0o644, uid: 0, gid: 0, size: 1, mtime: new Date(0) }), Buffer.from("b"), dataPadding(1), endOfArchive()]);
  const names: string[] = [];
  for await (const { entry } of readTar(chunked(b, 100))) names.push(entry.path);
  assert.deepEqual(names, ["a", "b"]);
  await assert.rejects(readAll(b.subarray(0, 700)), (e) => isEngineError(e, "InvalidArgument") && /unexpected end/.test(e.message));
  const bad = Buffer.from(b);
  bad[10] = 0x7a;
  await assert.rejects(readAll(bad), (e) => isEngineError(e, "InvalidArgument") && /checksum/.test(e.message));
});

test("tar: PAX records are parsed as bytes", () => {
  const rec = (k: string, v: Buffer) => {
    const body = Buffer.concat([Buffer.from(` ${k}=`), v, Buffer.from("\n")]);
    let n = body.length + 2;
    if (String(n).length + body.length !== n) n = String(n + 1).length + body.length;
    return Buffer.concat([Buffer.from(String(n)), body]);
  };
  const v = Buffer.from([0, 1, 10, 255]);
  assert.deepEqual(parsePax(Buffer.concat([rec("SCHILY.xattr.user.x", v), rec("path", Buffer.from("a=b"))])), { "SCHILY.xattr.user.x": v, path: Buffer.from("a=b") });
  assert.throws(() => parsePax(Buffer.from("99 path=x\n")), (e) => isEngineError(e, "InvalidArgument"));
});

test("safe paths: cleaning and refusal of ..", () => {
  assert.deepEqual(cleanEntryPath("/etc//passwd"), ["etc", "passwd"]);
  assert.deepEqual(cleanEntryPath("./a/./b/"), ["a", "b"]);
  assert.deepEqual(cleanEntryPath("./"), []);
  for (const bad of ["../x", "a/../../x", "a/..", ".."]) assert.throws(() => cleanEntryPath(bad), (e) => isEngineError(e, "InvalidArgument"), bad);
  assert.throws(() => cleanEntryPath("a\0b"), (e) => isEngineError(e, "InvalidArgument"));
});

test("whiteout helpers and compression detection", () => {
  assert.equal(whiteoutName("x"), ".wh.x");
  assert.equal(isOverlayWhiteout({ isCharacterDevice: () => true, rdev: 0 }), true);
  assert.equal(isOverlayWhiteout({ isCharacterDevice: () => true, rdev: 259 }), false);
  assert.equal(isOpaqueValue(Buffer.from("y")), true);
  assert.equal(isOpaqueValue(Buffer.from("n")), false);
  assert.equal(detectCompression(Buffer.from([0x1f, 0x8b, 8]), "application/vnd.oci.image.layer.v1.tar"), "gzip");
  assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), "zstd");
  assert.equal(detectCompression(Buffer.from("usr/"), "application/vnd.docker.image.rootfs.diff.tar.gzip"), "none");
});
