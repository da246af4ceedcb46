import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackgroundDeletes } from "../../util/backgroundDeletes.js";
import { hostsText } from "../etcFiles.js";
import { containerDirLayout, PremadeDirs } from "./premadeDirs.js";

test("a set made ahead is renamed into place with the container's files; none: the caller makes its own", async () => {
  const parent = mkdtempSync(join(tmpdir(), "berth-test-premade-"));
  try {
    const p = new PremadeDirs(parent, containerDirLayout());
    assert.equal(p.take(join(parent, "a")), false, "nothing made yet");
    p.refill();
    p.refill(); // one at a time
    await p.made();
    const names = readdirSync(parent);
    assert.equal(names.length, 1);
    assert.match(names[0]!, /^\.rm-spare-[0-9a-f]{12}$/);
    assert.equal(p.take(join(parent, "a")), true);
    assert.deepEqual(readdirSync(parent), ["a"]);
    assert.deepEqual(readdirSync(join(parent, "a")).sort(), ["config.json", "container.log", "hostname", "hosts", "resolv.conf", "rootfs"]);
    assert.equal(readFileSync(join(parent, "a", "hosts"), "utf8"), hostsText([]));
    assert.equal(statSync(join(parent, "a")).mode & 0o777, 0o700);
    assert.equal(statSync(join(parent, "a", "config.json")).mode & 0o777, 0o600);
    assert.equal(statSync(join(parent, "a", "container.log")).mode & 0o777, 0o640, "as the shim would make it");
    assert.equal(p.take(join(parent, "b")), false, "used up");
    await p.close();
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test("close removes an unused set and makes no more; a crash's set is swept with the .rm- leftovers", async () => {
  const parent = mkdtempSync(join(tmpdir(), "berth-test-premade-"));
  try {
    const p = new PremadeDirs(parent, containerDirLayout());
    p.refill();
    await p.close();
    assert.deepEqual(readdirSync(parent), []);
    p.refill();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(readdirSync(parent), [], "closed: no refill");

    const crashed = new PremadeDirs(parent, containerDirLayout());
    crashed.refill();
    await crashed.made();
    assert.equal(readdirSync(parent).length, 1);
    assert.equal((await BackgroundDeletes.sweep(parent)).length, 1);
    assert.deepEqual(readdirSync(parent), []);
    // A set that vanished under it: take says no, the caller makes the directory itself.
    assert.equal(crashed.take(join(parent, "c")), false);
    assert.deepEqual(readdirSync(parent), []);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test("refillSoon makes the set after its delay; close before then makes none", async () => {
  const parent = mkdtempSync(join(tmpdir(), "berth-test-premade-"));
  try {
    const p = new PremadeDirs(parent, containerDirLayout(), 20);
    p.refillSoon();
    assert.deepEqual(readdirSync(parent), [], "not yet");
    await new Promise((r) => setTimeout(r, 40));
    await p.made();
    assert.equal(p.take(join(parent, "a")), true);
    p.refillSoon();
    await p.close();
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(readdirSync(parent), ["a"]);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
