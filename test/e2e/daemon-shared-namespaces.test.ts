/**
 * Namespace modes of docker run against berthd with the real docker CLI: --cgroupns host keeps
 * the host's cgroup namespace while private (berth's default) gets its own; --ipc none has an
 * ipc namespace but no /dev/shm mount. (--pid/--ipc container: and --volumes-from are not
 * implemented yet: see issue 4.)
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readlinkSync } from "node:fs";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

async function withDaemon(fn: (d: TestDaemon) => Promise<void>): Promise<void> {
  const d = await startTestDaemon();
  try {
    await fn(d);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
}

test("--cgroupns host shares the host's cgroup namespace; private and the default do not; bad values refused", { skip }, async () => {
  await withDaemon(async (d) => {
    // berthd runs in this test process's namespaces: they are the "host" ones.
    const hostNs = readlinkSync("/proc/self/ns/cgroup");
    assert.equal(await d.ok(["run", "--rm", "--cgroupns", "host", "busybox", "readlink", "/proc/self/ns/cgroup"]), hostNs);
    assert.notEqual(await d.ok(["run", "--rm", "--cgroupns", "private", "busybox", "readlink", "/proc/self/ns/cgroup"]), hostNs);
    assert.notEqual(await d.ok(["run", "--rm", "busybox", "readlink", "/proc/self/ns/cgroup"]), hostNs);
    // In a private namespace the container's own cgroup is its root.
    assert.match(await d.ok(["run", "--rm", "--cgroupns", "private", "busybox", "cat", "/proc/self/cgroup"]), /^\d+:[^:]*:\/$/m);
    const r = await d.docker(["create", "--cgroupns", "bogus", "busybox", "true"]);
    assert.notEqual(r.code, 0);
  });
});

test("--ipc none: a private ipc namespace without /dev/shm; private keeps /dev/shm", { skip }, async () => {
  await withDaemon(async (d) => {
    const hostNs = readlinkSync("/proc/self/ns/ipc");
    const none = await d.ok(["run", "--rm", "--ipc", "none", "busybox", "sh", "-c", "readlink /proc/self/ns/ipc; grep -c ' /dev/shm ' /proc/self/mounts || true"]);
    const [ns, count] = none.split("\n");
    assert.notEqual(ns, hostNs);
    assert.equal(count, "0");
    assert.equal(await d.ok(["run", "--rm", "--ipc", "private", "busybox", "sh", "-c", "grep -c ' /dev/shm ' /proc/self/mounts"]), "1");
    const c = `berth-test-ipc-${Math.random().toString(16).slice(2, 10)}`;
    await d.ok(["create", "--name", c, "--ipc", "none", "--cgroupns", "host", "busybox", "true"]);
    assert.equal(await d.ok(["inspect", "-f", "{{.HostConfig.IpcMode}}|{{.HostConfig.CgroupnsMode}}", c]), "none|host");
    await d.ok(["rm", c]);
  });
});
