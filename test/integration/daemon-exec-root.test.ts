/**
 * berthd's exec root on a tmpfs of its own when the host's is on disk (src/daemon/execRootTmpfs.ts):
 * mounted over an empty or berth-only directory (an earlier daemon's leftovers deleted, not
 * hidden), left on disk when a container's state or a foreign file is there, used as it is when
 * already in memory, and unmounted at release only when no container's state or netns mount is
 * left in it.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXEC_ROOT_SOURCE, placeExecRoot } from "../../src/daemon/execRootTmpfs.js";

const TMPFS = 0x01021994;
const base = tmpdir();
const skip = process.getuid?.() !== 0 ? "needs root (mount)" : (Number(statfsSync(base).type) >>> 0) === TMPFS ? `${base} is a tmpfs already` : false;

const mountsAt = (dir: string) => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.split(" ")[4] === dir);
const quiet = () => {};

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(base, "berth-test-execroot-"));
    try {
      await fn(join(dir, "exec"));
    } finally {
      for (let i = 0; i < 4 && mountsAt(join(dir, "exec")).length > 0; i++) spawnSync("umount", ["-l", join(dir, "exec")]);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test("exec root on disk: a tmpfs is mounted; release keeps it while a container's state is there, then unmounts it", { skip }, withDir(async (exec) => {
  const place = await placeExecRoot(exec, quiet);
  assert.equal(place.how, "mounted");
  const m = mountsAt(exec);
  assert.equal(m.length, 1);
  assert.match(m[0]!, new RegExp(` - tmpfs ${EXEC_ROOT_SOURCE} `));
  mkdirSync(join(exec, "runtime", "c0ffee"), { recursive: true });
  writeFileSync(join(exec, "runtime", "c0ffee", "state.json"), "{}");
  await place.release();
  assert.equal(mountsAt(exec).length, 1, "a container's state keeps the tmpfs (live restore)");
  // A second daemon finds it in memory and uses it as it is.
  const again = await placeExecRoot(exec, quiet);
  assert.equal(again.how, "in memory already");
  assert.ok(existsSync(join(exec, "runtime", "c0ffee", "state.json")));
  rmSync(join(exec, "runtime", "c0ffee"), { recursive: true });
  mkdirSync(join(exec, "runtime", ".spare-1"));
  await again.release();
  assert.equal(mountsAt(exec).length, 0, "no container state left: unmounted");
  assert.deepEqual(readdirSync(exec), [], "nothing of it on disk");
}));

test("exec root on disk with an earlier daemon's leftovers only: they are deleted, then the tmpfs is mounted", { skip }, withDir(async (exec) => {
  mkdirSync(join(exec, "runtime", ".rm-old"), { recursive: true });
  writeFileSync(join(exec, "runtime", ".rm-old", "state.json"), "{}");
  mkdirSync(join(exec, "netns-pool"));
  writeFileSync(join(exec, "netns-pool", "0123"), "");
  writeFileSync(join(exec, "berthd.pid"), "1");
  const place = await placeExecRoot(exec, quiet, { ownPaths: [join(exec, "berthd.pid"), "/elsewhere/docker.sock"] });
  assert.equal(place.how, "mounted");
  assert.deepEqual(readdirSync(exec), []);
  await place.release();
  assert.equal(mountsAt(exec).length, 0);
  assert.deepEqual(readdirSync(exec), [], "the leftovers were deleted, not hidden");
}));

test("exec root on disk holding a container's state or a foreign file stays on disk, untouched", { skip }, withDir(async (exec) => {
  mkdirSync(join(exec, "runtime", "c0ffee"), { recursive: true });
  const logs: string[] = [];
  const held = await placeExecRoot(exec, (_l, msg) => logs.push(msg));
  assert.equal(held.how, "on disk");
  assert.match(logs.join("\n"), /holds runtime state of container c0ffee/);
  assert.equal(mountsAt(exec).length, 0);
  await held.release();
  assert.ok(existsSync(join(exec, "runtime", "c0ffee")));

  rmSync(join(exec, "runtime"), { recursive: true });
  writeFileSync(join(exec, "notes.txt"), "mine");
  const foreign = await placeExecRoot(exec, quiet, { ownPaths: [join(exec, "berthd.pid")] });
  assert.equal(foreign.how, "on disk");
  assert.equal(readFileSync(join(exec, "notes.txt"), "utf8"), "mine");
  assert.equal(mountsAt(exec).length, 0);
}));

test("exec root already in memory (not berth's tmpfs): used as it is and never unmounted", { skip }, withDir(async (exec) => {
  mkdirSync(exec, { recursive: true });
  assert.equal(spawnSync("mount", ["-t", "tmpfs", "tmpfs", exec]).status, 0);
  const place = await placeExecRoot(exec, quiet);
  assert.equal(place.how, "in memory already");
  await place.release();
  assert.equal(mountsAt(exec).length, 1, "someone else's tmpfs stays");
}));
