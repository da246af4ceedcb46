import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../../errors/EngineError.js";
import { RecordingSys } from "../../sys/RecordingSys.js";
import { LauncherUnavailable } from "../../sys/shimLauncher.js";
import { mountAll, mountRequest, unmount, unmountAll } from "./mountAll.js";

// Unprivileged: mount(2)/umount2(2) are RecordingSys's; the launcher itself is tested in
// src/sys/shimLauncher.test.ts and the real mounts in test/integration/image-rootfs.test.ts.
const T = "/berth-test/rootfs";
const overlay = { type: "overlay", source: "overlay", options: ["lowerdir=/l/2:/l/1", "upperdir=/u", "workdir=/w"] };

test("mountRequest: flag options become MS_* bits, the others the data string", () => {
  assert.deepEqual(mountRequest(overlay, T), { source: "overlay", target: T, fstype: "overlay", flags: 0, data: "lowerdir=/l/2:/l/1,upperdir=/u,workdir=/w" });
  assert.deepEqual(mountRequest({ type: "bind", source: "/s", options: ["rbind", "ro"] }, T), { source: "/s", target: T, fstype: "", flags: 4096 | 16384 | 1, data: "" });
  assert.deepEqual(mountRequest({ type: "bind", source: "/s", options: ["rbind", "rw"] }, T).flags, 4096 | 16384);
  assert.equal(mountRequest({ type: "tmpfs", source: "tmpfs", options: ["ro", "nosuid", "nodev", "noexec", "rw", "size=1m"] }, T).flags, 2 | 4 | 8);
  assert.equal(mountRequest({ type: "tmpfs", source: "tmpfs", options: ["constructor"] }, T).data, "constructor", "not a flag from Object's prototype");
  assert.deepEqual(mountRequest({ ...overlay, cwd: "/snapshots" }, T).cwd, "/snapshots");
  assert.throws(() => mountRequest({ type: "overlay", source: "overlay", options: ["upperdir=/a,b"] }, T), (e) => isEngineError(e, "InvalidArgument") && /comma/.test(e.message));
});

test("mountAll mounts in order through Sys.mount; unmountAll pops them all by umount2 alone", async () => {
  const sys = new RecordingSys();
  const lower = { type: "bind", source: "/s", options: ["rbind", "ro"] };
  await mountAll([lower, overlay], T, sys);
  assert.deepEqual(sys.mounts.get(T)?.map((r) => r.fstype), ["", "overlay"]);
  await unmountAll(T, sys);
  assert.equal(sys.mounts.size, 0);
  // Two unmounts and the EINVAL that says nothing is left: no mountinfo needed.
  assert.deepEqual(sys.ops().slice(-3), ["unmount", "unmount", "unmount"]);
  await unmountAll(T, sys);
  assert.deepEqual(sys.ops().slice(-1), ["unmount"], "nothing mounted: one EINVAL, no error");
});

test("mountAll: a failed mount unmounts what was mounted and names the target", async () => {
  const sys = new RecordingSys();
  sys.mountFailures.set(T, "ENOENT");
  await assert.rejects(mountAll([overlay], T, sys), (e) => isEngineError(e, "Internal") && /^mount rootfs: mount -t overlay on \/berth-test\/rootfs failed: .*ENOENT/.test(e.message));
  // The second of two fails: the first is undone.
  const first = { type: "bind", source: "/s", options: ["rbind"] };
  await mountAll([first], T, sys);
  await unmountAll(T, sys);
  sys.calls.length = 0;
  let n = 0;
  const failing = Object.assign(Object.create(sys) as RecordingSys, {
    mount: async (req: Parameters<RecordingSys["mount"]>[0]) => {
      if (n++ === 1) throw Object.assign(new Error("mount overlay: Invalid argument"), { code: "EINVAL" });
      return sys.mount(req);
    },
    unmount: (t: string, f: number) => sys.unmount(t, f),
  });
  await assert.rejects(mountAll([first, overlay], T, failing), (e) => isEngineError(e, "Internal") && e.cleanupErrors.length === 0);
  assert.equal(sys.mounts.size, 0, "the first mount was undone");
});

test("unmountAll: a busy mount is an error (no lazy unmount); a clean-up failure is reported with the mount error", async () => {
  const sys = new RecordingSys();
  await mountAll([overlay], T, sys);
  sys.busy.add(T);
  await assert.rejects(unmountAll(T, sys), (e) => isEngineError(e, "Internal") && /^unmount \/berth-test\/rootfs: .*busy/.test(e.message));
  await assert.rejects(unmount("/berth-test/elsewhere", sys), (e) => isEngineError(e, "Internal") && /not mounted/.test(e.message));
  sys.busy.clear();
  await unmountAll(T, sys);
});

test("mountAll: errors other than LauncherUnavailable are not retried with mount(8)", async () => {
  let calls = 0;
  const sys = {
    mount: async () => {
      calls++;
      throw Object.assign(new Error("mount overlay on x: Operation not permitted"), { code: "EPERM" });
    },
    unmount: async () => {
      throw Object.assign(new Error("umount: Invalid argument"), { code: "EINVAL" });
    },
  };
  await assert.rejects(mountAll([overlay], T, sys), (e) => isEngineError(e, "Internal") && /Operation not permitted/.test(e.message));
  assert.equal(calls, 1);
});

test("unmountAll: LauncherUnavailable falls back to mountinfo and umount(8) (nothing mounted there: nothing to do)", async () => {
  const sys = {
    unmount: async () => {
      throw new LauncherUnavailable("shim launcher: could not start");
    },
  };
  await unmountAll("/berth-test/never-mounted-path", sys);
});
