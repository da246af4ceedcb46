import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTestRuntime, runtimeSkipReason, uniqueId, leftovers, type TestRuntime } from "../helpers/runtime.js";
import { createContainer } from "../../src/runtime/lifecycle/create.js";
import { containerDir } from "../../src/runtime/containerStore.js";
import { startContainer } from "../../src/runtime/lifecycle/start.js";
import { deleteContainer } from "../../src/runtime/lifecycle/delete.js";
import { containerState } from "../../src/runtime/lifecycle/state.js";
import type { Spec } from "../../src/oci/runtime.js";

const skip = runtimeSkipReason();
let rt: TestRuntime;
before(async () => {
  if (!skip) rt = await makeTestRuntime();
});
after(async () => {
  if (rt) await rt.cleanup();
});

/** Creating must fail with `re`, and leave no state dir, cgroup, mount or process behind. */
async function failsCleanly(edit: (s: Spec) => void, re: RegExp, raw?: string): Promise<void> {
  const b = await rt.bundle({ args: ["sleep", "1000"], spec: edit });
  if (raw !== undefined) await writeFile(join(b.bundle, "config.json"), raw);
  const id = uniqueId();
  await assert.rejects(createContainer(rt.ctx, { id, bundle: b.bundle, stdio: "ignore" }), (e: Error) => {
    assert.match(e.message, re);
    return true;
  });
  assert.deepEqual(leftovers(id, { stateDir: containerDir(rt.ctx.root, id), rootfs: b.rootfs }), []);
}

test("invalid config.json: not JSON", { skip }, () => failsCleanly(() => {}, /config\.json: invalid JSON/, "{ not json"));
test("invalid config.json: wrong type names the field", { skip }, () => failsCleanly((s) => ((s.process!.user as { uid: unknown }).uid = "root"), /process\.user\.uid: expected a number/));
test("unknown namespace type", { skip }, () => failsCleanly((s) => s.linux!.namespaces!.push({ type: "blah" as "pid" }), /unknown namespace type "blah"/));
test("missing rootfs", { skip }, () => failsCleanly((s) => (s.root!.path = "no-such-rootfs"), /rootfs .*no-such-rootfs does not exist/));
test("bad mount: bind source that does not exist (fails in the shim, after the cgroup exists)", { skip }, () =>
  failsCleanly((s) => s.mounts!.push({ destination: "/data", type: "bind", source: "/nonexistent/berth-test-src", options: ["rbind"] }), /mount/),
);
test("bad mount: unknown filesystem type", { skip }, () => failsCleanly((s) => s.mounts!.push({ destination: "/x", type: "nosuchfs", source: "none" }), /mount/));
test("impossible cgroup value", { skip }, () => failsCleanly((s) => (s.linux!.resources = { ...s.linux!.resources, cpu: { quota: 1000, period: 1 } }), /cpu|period|quota/i));
test("a program that does not exist: start fails naming exec, the container is stopped, delete leaves nothing", { skip }, async () => {
  const b = await rt.bundle({ args: ["/no/such/program"] });
  const id = uniqueId();
  await createContainer(rt.ctx, { id, bundle: b.bundle, stdio: "ignore" });
  await assert.rejects(startContainer(rt.ctx, id), /exec/);
  await rt.wait(id);
  assert.equal((await containerState(rt.ctx, id)).status, "stopped");
  await deleteContainer(rt.ctx, id);
  assert.deepEqual(leftovers(id, { stateDir: containerDir(rt.ctx.root, id), rootfs: b.rootfs }), []);
});
test("unknown capability", { skip }, () => failsCleanly((s) => s.process!.capabilities!.bounding!.push("CAP_TELEPORT"), /unknown capability "CAP_TELEPORT"/));

test("deleting a created (never started) container kills its waiting init and leaves nothing", { skip }, async () => {
  const b = await rt.bundle({ args: ["sleep", "1000"] });
  const id = uniqueId();
  await createContainer(rt.ctx, { id, bundle: b.bundle, stdio: "ignore" });
  assert.equal((await containerState(rt.ctx, id)).status, "created");
  await deleteContainer(rt.ctx, id);
  assert.deepEqual(leftovers(id, { stateDir: containerDir(rt.ctx.root, id), rootfs: b.rootfs }), []);
});
