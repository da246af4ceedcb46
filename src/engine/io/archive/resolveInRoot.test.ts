import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveInRoot } from "./resolveInRoot.js";
import { goFileMode, isGoDir } from "./pathStat.js";

test("resolveInRoot: links are followed inside the root, never out of it", async () => {
  const root = mkdtempSync(join(tmpdir(), "berth-test-resolve-"));
  try {
    mkdirSync(join(root, "etc"));
    writeFileSync(join(root, "etc/passwd"), "x");
    symlinkSync("/etc", join(root, "abs"));
    symlinkSync("../../../../..", join(root, "up"));
    symlinkSync("loop2", join(root, "loop1"));
    symlinkSync("loop1", join(root, "loop2"));
    symlinkSync("passwd", join(root, "etc/pw"));
    assert.deepEqual(await resolveInRoot(root, "/abs/passwd", false), { host: join(root, "etc/passwd"), inContainer: "/etc/passwd" });
    assert.deepEqual(await resolveInRoot(root, "/up/etc/../../up/etc", false), { host: join(root, "etc"), inContainer: "/etc" });
    assert.deepEqual(await resolveInRoot(root, "../../..", false), { host: root, inContainer: "/" });
    // The final link is kept unless asked to follow it.
    assert.equal((await resolveInRoot(root, "/etc/pw", false)).inContainer, "/etc/pw");
    assert.equal((await resolveInRoot(root, "/etc/pw", true)).inContainer, "/etc/passwd");
    assert.equal((await resolveInRoot(root, "/missing/a/b", false)).inContainer, "/missing/a/b");
    await assert.rejects(resolveInRoot(root, "/loop1/x", false), /too many levels of symbolic links/);
    assert.ok(isGoDir(goFileMode(lstatSync(join(root, "etc")))));
    assert.equal(goFileMode(lstatSync(join(root, "abs"))), 2 ** 27 + 0o777);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
