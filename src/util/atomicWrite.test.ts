import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atomicWrite } from "./atomicWrite.js";

test("atomicWrite replaces content, applies the mode, leaves no temp file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-aw-"));
  try {
    const f = join(dir, "f");
    await atomicWrite(f, "one", 0o600);
    assert.equal((await stat(f)).mode & 0o777, 0o600);
    await atomicWrite(f, "two", { mode: 0o640, durable: false });
    assert.equal(await readFile(f, "utf8"), "two");
    assert.deepEqual(await readdir(dir), ["f"]);
    await assert.rejects(atomicWrite(join(dir, "missing", "f"), "x"), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
