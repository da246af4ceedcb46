/**
 * mountAllIdmapped on the real kernel, through the launcher's idmapped_mount (native/shim/idmap.c):
 * an overlay of idmapped lower layers with a plain upper, an idmapped bind, and failures that
 * leave nothing mounted and no staging directory behind.
 */
import { after, before, test } from "node:test";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { chown, lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mountAllIdmapped } from "../../src/image/snapshot/idmappedMounts.js";
import { unmountAll } from "../../src/image/snapshot/mountAll.js";

const skip = process.getuid?.() !== 0 ? "needs root (mounts)" : false;
const MAP = "0:100000:65536";
let dir = "";

function mountsUnder(root: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((p) => p === root || p.startsWith(root + "/"));
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp("/tmp/berth-test-idmap-");
  for (const d of ["l1", "l2", "s/fs", "s/work", "m"]) await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, "l1", "top"), "1");
  await writeFile(join(dir, "l2", "bottom"), "2");
  await chown(join(dir, "l2", "bottom"), 7, 8);
});

after(async () => {
  if (skip) return;
  for (const m of mountsUnder(dir).reverse()) await unmountAll(m).catch(() => {});
  const left = mountsUnder(dir);
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(left, []);
});

test("overlay: lower layers appear shifted into the range, the upper keeps host ids, one mount only", { skip }, async () => {
  const target = join(dir, "m");
  await chown(join(dir, "s", "fs"), 100000, 100000);
  await mountAllIdmapped([{ type: "overlay", source: "overlay", options: ["index=off", "lowerdir=l1:l2", "upperdir=s/fs", "workdir=s/work"], cwd: dir }], target, MAP, MAP);
  try {
    assert.deepEqual(mountsUnder(dir), [target], "the staged layer mounts are gone");
    assert.deepEqual((await readdir(dir)).sort(), ["l1", "l2", "m", "s"], "no staging directory left");
    const top = await stat(join(target, "top"));
    const bottom = await stat(join(target, "bottom"));
    assert.deepEqual([top.uid, top.gid, bottom.uid, bottom.gid], [100000, 100000, 100007, 100008]);
    await writeFile(join(target, "top"), "changed");
    await writeFile(join(target, "new"), "x");
    const copied = await lstat(join(dir, "s", "fs", "top"));
    assert.deepEqual([copied.uid, copied.gid], [100000, 100000], "copy-up stores the shifted owner");
    assert.equal((await stat(join(dir, "l1", "top"))).uid, 0, "the layer itself is untouched");
  } finally {
    await unmountAll(target);
  }
  assert.deepEqual(mountsUnder(dir), []);
});

test("bind: read-only idmapped view of a directory", { skip }, async () => {
  const target = join(dir, "m");
  await mountAllIdmapped([{ type: "bind", source: join(dir, "l2"), options: ["rbind", "ro"] }], target, MAP, MAP);
  try {
    assert.equal((await stat(join(target, "bottom"))).uid, 100007);
    await assert.rejects(writeFile(join(target, "nope"), "x"), /EROFS/);
  } finally {
    await unmountAll(target);
  }
});

test("failures leave nothing mounted and no staging directory", { skip }, async () => {
  const target = join(dir, "m");
  await assert.rejects(
    mountAllIdmapped([{ type: "overlay", source: "overlay", options: ["lowerdir=l1:missing", "upperdir=s/fs", "workdir=s/work"], cwd: dir }], target, MAP, MAP),
    (e: Error & { kind?: string }) => e.kind === "Internal" && /open_tree missing: No such file or directory/.test(e.message),
  );
  await assert.rejects(
    mountAllIdmapped([{ type: "overlay", source: "overlay", options: ["lowerdir=l1", "bogus=1"], cwd: dir }], target, MAP, MAP),
    /Unknown parameter 'bogus'/,
  );
  await assert.rejects(mountAllIdmapped([{ type: "bind", source: join(dir, "l1"), options: ["rbind"] }], target, "0:100000", MAP), /id maps must be/);
  assert.deepEqual(mountsUnder(dir), []);
  assert.deepEqual((await readdir(dir)).sort(), ["l1", "l2", "m", "s"]);
});
