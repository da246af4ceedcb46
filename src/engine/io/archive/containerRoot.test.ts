import { test } from "node:test";
import { strict as assert } from "node:assert";
import { openContainerRoot } from "./containerRoot.js";
import { statContainerPath } from "./containerArchive.js";

test("a running container's root is its / directory, not the /proc/PID/root link (docker cp to and from /)", async () => {
  // This process stands in for the container's init: its /proc/PID/root is the host's "/".
  const access = await openContainerRoot({ pid: process.pid, rootfsDir: "/nonexistent", mounts: async () => [], tempParent: "/tmp" }, true);
  const st = await statContainerPath(access.root, "/", "c");
  assert.equal(st.name, "/");
  assert.equal(st.linkTarget, "");
  assert.ok((st.mode & 2 ** 31) !== 0, `mode ${st.mode.toString(16)} has Go's ModeDir`);
  const etc = await statContainerPath(access.root, "/etc", "c");
  assert.equal(etc.name, "etc");
  await access.release();
});
