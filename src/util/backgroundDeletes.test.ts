import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackgroundDeletes } from "./backgroundDeletes.js";

test("BackgroundDeletes: the directory is gone by name at once, its files after flush", async () => {
  const base = await mkdtemp(join(tmpdir(), "berth-test-bgdel-"));
  try {
    const dir = join(base, "c1");
    for (let i = 0; i < 50; i++) {
      await mkdir(join(dir, `d${i}`), { recursive: true });
      await writeFile(join(dir, `d${i}`, "f"), "x");
    }
    await mkdir(join(base, "keep"));
    const deletes = new BackgroundDeletes();
    await deletes.remove(dir);
    assert.ok(!(await readdir(base)).includes("c1"));
    await deletes.remove(join(base, "missing")); // nothing to do, no error
    await deletes.flush();
    assert.deepEqual(await readdir(base), ["keep"]);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test("BackgroundDeletes.sweep removes only .rm-* leftovers", async () => {
  const base = await mkdtemp(join(tmpdir(), "berth-test-bgdel-"));
  try {
    await mkdir(join(base, ".rm-abc", "sub"), { recursive: true });
    await mkdir(join(base, "abc"));
    assert.deepEqual(await BackgroundDeletes.sweep(base), [".rm-abc"]);
    assert.deepEqual(await readdir(base), ["abc"]);
    assert.deepEqual(await BackgroundDeletes.sweep(join(base, "nope")), []);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
