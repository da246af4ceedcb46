import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import { applyLayer } from "./applyLayer.js";
import { fixImplicitDirs } from "./implicitDirs.js";
import { dataPadding, encodeHeader, endOfArchive, type TarHeaderInput } from "./tarWriter.js";

type Item = { path: string; type?: TarHeaderInput["type"]; data?: string; mode?: number };

async function* tar(items: Item[]): AsyncGenerator<Buffer> {
  for (const it of items) {
    const data = Buffer.from(it.data ?? "");
    const type = it.type ?? "file";
    yield encodeHeader({ path: it.path, type, mode: it.mode ?? (type === "dir" ? 0o755 : 0o644), uid: 0, gid: 0, size: type === "file" ? data.length : 0, mtime: new Date("2020-01-01T00:00:00Z") });
    if (type === "file") {
      yield data;
      yield dataPadding(data.length);
    }
  }
  yield endOfArchive();
}

async function withDir(fn: (d: string) => Promise<void>): Promise<void> {
  const d = await mkdtemp(join(tmpdir(), "berth-test-implicit-"));
  try {
    await fn(d);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}

// Implicit: a, a/b (kept), c (given its own entry later), g and g/h (replaced by a file).
const upper: Item[] = [
  { path: "a/b/f", data: "1" },
  { path: "c/f", data: "2" },
  { path: "c/", type: "dir", mode: 0o700 },
  { path: "g/h/f", data: "3" },
  { path: "g", data: "now a file" },
];

async function lowerLayer(dir: string): Promise<void> {
  for (const [rel, mode] of [["a", 0o711], ["a/b", 0o1777], ["c", 0o555], ["g", 0o750]] as const) {
    await mkdir(join(dir, rel), { recursive: true });
    const { chmod } = await import("node:fs/promises");
    await chmod(join(dir, rel), mode);
    await utimes(join(dir, rel), new Date("2011-01-01T00:00:00Z"), new Date("2011-01-01T00:00:00Z"));
  }
}

async function modes(root: string, rels: string[]): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for (const r of rels) {
    const st = await lstat(join(root, r));
    out.push([st.mode & 0o7777, st.isDirectory() ? st.mtime.toISOString() : "file"]);
  }
  return out;
}

test("implicit dirs: recorded during apply and fixed up later give what copying during apply gives", async () => {
  await withDir(async (d) => {
    const lower = join(d, "lower");
    await lowerLayer(lower);
    const copied = join(d, "copied");
    const recorded = join(d, "recorded");
    await mkdir(copied);
    await mkdir(recorded);
    await applyLayer(copied, tar(upper), { lowerDirs: [lower] });
    const res = await applyLayer(recorded, tar(upper), { implicitDirs: "record", lowerDirs: [lower] });
    assert.deepEqual(res.implicitDirs?.sort(), ["a", "a/b"]);
    // Before the fix-up the layer's own metadata is in place and the implicit dirs are plain.
    assert.equal((await lstat(join(recorded, "a/b"))).mode & 0o7777, 0o755);
    fixImplicitDirs(recorded, res.implicitDirs!, [lower], process.getuid?.() === 0);
    const rels = ["a", "a/b", "c", "g"];
    assert.deepEqual(await modes(recorded, rels), await modes(copied, rels));
    assert.deepEqual((await modes(recorded, ["a/b", "c"])).map(([m]) => m), [0o1777, 0o700]);
    assert.equal(await readFile(join(recorded, "g"), "utf8"), "now a file");
  });
});

test("implicit dirs: the fix-up never follows a symlink and skips what is no longer a directory", async () => {
  await withDir(async (d) => {
    const root = join(d, "root");
    const outside = join(d, "outside");
    const lower = join(d, "lower");
    await mkdir(join(outside, "x"), { recursive: true, mode: 0o755 });
    await mkdir(join(lower, "s/x"), { recursive: true });
    await mkdir(join(lower, "f"), { recursive: true });
    const { chmod } = await import("node:fs/promises");
    await chmod(join(lower, "s/x"), 0o700);
    await chmod(join(lower, "f"), 0o700);
    await mkdir(root);
    await symlink(outside, join(root, "s"));
    await symlink(join(outside, "x"), join(root, "l"));
    await writeFile(join(root, "f"), "file");
    await mkdir(join(lower, "l"));
    const fileMode = (await lstat(join(root, "f"))).mode;
    await assert.rejects(async () => fixImplicitDirs(root, ["s/x"], [lower], false), (e) => isEngineError(e, "InvalidArgument"));
    fixImplicitDirs(root, ["l", "f", "missing"], [lower], false);
    assert.equal((await lstat(join(outside, "x"))).mode & 0o7777, 0o755);
    assert.equal((await lstat(join(root, "f"))).mode, fileMode);
  });
});
