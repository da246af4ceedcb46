/**
 * Namespace modes of docker run against berthd with the real docker CLI: --cgroupns host keeps
 * the host's cgroup namespace while private (berth's default) gets its own; --ipc none has an
 * ipc namespace but no /dev/shm mount; --pid/--ipc container:X join X's namespaces, with moby's
 * errors (a missing --pid target at create a 400, a stopped one at start a 500 naming its ID).
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readlinkSync } from "node:fs";
import { daemonSkipReason, withTestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

const withDaemon = withTestDaemon;

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

test("--pid/--ipc container:X join X's namespaces; a stopped or missing target is refused at start, nothing left behind", { skip }, async () => {
  await withDaemon(async (d) => {
    const x = `berth-test-ns-${Math.random().toString(16).slice(2, 10)}`;
    await d.ok(["run", "-d", "--name", x, "--ipc", "shareable", "busybox", "sleep", "1000"]);
    const ps = await d.ok(["run", "--rm", "--pid", `container:${x}`, "busybox", "ps", "-o", "comm"]);
    assert.ok(ps.split("\n").includes("sleep"), ps);
    const pid = await d.ok(["inspect", "-f", "{{.State.Pid}}", x]);
    const ipc = readlinkSync(`/proc/${pid}/ns/ipc`);
    assert.equal(await d.ok(["run", "--rm", "--ipc", `container:${x}`, "busybox", "readlink", "/proc/self/ns/ipc"]), ipc);
    const y = `${x}-y`;
    await d.ok(["create", "--name", y, "--pid", `container:${x}`, "--ipc", `container:${x}`, "--network", `container:${x}`, "busybox", "true"]);
    // Stored with the target's full ID, as dockerd does (checked against Debian's 20.10): a rename of x changes nothing.
    const xId = await d.ok(["inspect", "-f", "{{.Id}}", x]);
    assert.equal(await d.ok(["inspect", "-f", "{{.HostConfig.PidMode}}|{{.HostConfig.IpcMode}}|{{.HostConfig.NetworkMode}}", y]), `container:${xId}|container:${xId}|container:${xId}`);
    await d.ok(["stop", "-t", "1", x]);
    const r = await d.docker(["start", y]);
    assert.notEqual(r.code, 0);
    const xid = await d.ok(["inspect", "-f", "{{.Id}}", x]);
    assert.match(r.stderr, new RegExp(`failed to join PID namespace: container ${xid} is not running`));
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}}", y]), "created");
    await d.ok(["rm", y, x]);
    // A missing target is refused at create (moby's 400), so nothing is made.
    const m = await d.docker(["run", "--rm", "--pid", "container:berth-test-missing-x", "busybox", "true"]);
    assert.notEqual(m.code, 0);
    assert.match(m.stderr, /No such container: berth-test-missing-x/);
    const c = await d.docker(["create", "--pid", "container:berth-test-missing-x", "busybox", "true"]);
    assert.equal(c.code, 1, c.stderr); // docker create's exit code for a daemon error
    assert.match(c.stderr, /No such container: berth-test-missing-x/);
    assert.equal(await d.ok(["ps", "-aq"]), "", "the failed run --rm left its container behind");
  });
});
