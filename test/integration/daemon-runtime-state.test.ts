/**
 * berthd's runtime state directories: a deleted container's directory is renamed to a `.rm-`
 * name in the runtime root and removed in the background; a stopped daemon leaves none, and
 * one that a killed daemon left is swept at the next start. berth's cgroup parent stays while
 * the daemon runs (the runtime CLI removes it with its last container).
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { containerCgroups, daemonSkipReason, startTestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

const trash = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(".rm-")) : []);

test("runtime state: deleted directories leave nothing after stop; a killed daemon's leftovers are swept at start", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const root = join(d.execRoot, "runtime");
    const id = await d.ok(["run", "-d", "--network", "none", "busybox", "true"]);
    assert.equal(await d.ok(["wait", id]), "0");
    assert.ok(!existsSync(join(root, id)), "the exit deleted the runtime state");
    assert.deepEqual(containerCgroups(id), [], "and the container's cgroup");
    await d.ok(["rm", id]);
    await d.ok(["run", "--rm", "--network", "none", "busybox", "true"]);
    await d.stop();
    assert.deepEqual(trash(root), [], "a stopped daemon finished its deletes");

    // What a daemon killed mid-delete leaves: a renamed directory with files in it.
    const left = join(root, `.rm-berth-test-${randomBytes(4).toString("hex")}.0a0b0c0d`);
    mkdirSync(left);
    writeFileSync(join(left, "state.json"), "{}");
    await d.restart();
    assert.deepEqual(trash(root), [], "swept at start");
    await d.ok(["run", "--rm", "--network", "none", "busybox", "true"]);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], d.log());
});
