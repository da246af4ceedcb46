import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import { signalAll } from "./signalAll.js";
import { makeV1Fixture } from "./testing/v1Fixture.js";
import { errnoError } from "./testing/fakeKernelFs.js";
import { makePath, removeTree } from "./tree.js";

test("removeTree: EBUSY while processes exit is retried until the rmdir succeeds", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("pids", "/c");
    await makePath(f.fs, f.dir("pids", "/"), ["c", "d"]);
    await f.fs.set(join(dir, "d", "cgroup.procs"), "77\n");
    let calls = 0;
    const orig = f.fs.rmdir.bind(f.fs);
    f.fs.rmdir = async (p: string) => {
      // The process leaves on the third attempt.
      if (p.endsWith("/c/d") && ++calls === 3) await f.fs.set(join(p, "cgroup.procs"), "");
      return orig(p);
    };
    await removeTree(f.fs, dir, { attempts: 5, delayMs: 1 });
    assert.equal(calls, 3);
    assert.equal(await f.fs.exists(dir), false);
  } finally {
    await f.cleanup();
  }
});

test("makePath: a failing level removes the levels this call made, not the ones that existed", async () => {
  const f = await makeV1Fixture();
  try {
    const base = f.dir("memory", "/");
    await makePath(f.fs, base, ["keep"]);
    await assert.rejects(
      makePath(f.fs, base, ["keep", "a", "b"], async (dir) => {
        if (dir.endsWith("/b")) throw errnoError("EINVAL", dir);
      }),
      (e: unknown) => isEngineError(e, "Internal") && /make cgroup directory .*\/keep\/a\/b/.test(e.message),
    );
    assert.equal(await f.fs.exists(join(base, "keep")), true);
    assert.equal(await f.fs.exists(join(base, "keep", "a")), false);
  } finally {
    await f.cleanup();
  }
});

test("signalAll: SIGKILL that never empties the cgroup fails after the bounded rounds, naming the pids", async () => {
  let rounds = 0;
  await assert.rejects(
    signalAll("/c", async () => (rounds++, [5, 6]), "SIGKILL", { rounds: 4, delayMs: 1, kill: () => {} }),
    (e: unknown) => isEngineError(e, "Unavailable") && /still not empty after 4 rounds of SIGKILL \(pids: 5,6\)/.test(e.message),
  );
  assert.equal(rounds, 4);
  await assert.rejects(signalAll("/c", async () => [5], 9, { rounds: 2, delayMs: 1, kill: () => { throw Object.assign(new Error("nope"), { code: "EPERM" }); } }), /signal 9 to pid 5/);
});

test("makePath: an ancestor removed under us (another create rolling back) is made again", async () => {
  const f = await makeV1Fixture();
  try {
    const base = f.dir("memory", "/");
    let raced = false;
    const orig = f.fs.mkdir.bind(f.fs);
    f.fs.mkdir = async (p: string) => {
      if (p.endsWith("/shared/leaf") && !raced) {
        raced = true;
        await f.fs.rmdir(join(base, "shared"));
      }
      return orig(p);
    };
    await makePath(f.fs, base, ["shared"]);
    const made = await makePath(f.fs, base, ["shared", "leaf"]);
    assert.deepEqual(made.map((d) => d.slice(base.length)), ["/shared", "/shared/leaf"]);
    assert.equal(await f.fs.exists(join(base, "shared", "leaf")), true);
  } finally {
    await f.cleanup();
  }
});
