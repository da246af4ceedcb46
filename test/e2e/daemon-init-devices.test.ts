/**
 * docker run --init and --device against berthd with the real docker CLI: tini bind-mounted at
 * /sbin/docker-init runs as PID 1 and forwards docker stop's SIGTERM; a --device node works
 * inside, its cgroup permissions hold (":r" refuses writes), a missing one fails with Docker's text.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
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

const name = () => `berth-test-init-${randomBytes(4).toString("hex")}`;

test("--init: docker-init is PID 1 with the command as its child; docker stop ends it with 143", { skip }, async () => {
  await withDaemon(async (d) => {
    const ps = await d.ok(["run", "--rm", "--init", "busybox", "ps", "-o", "pid,ppid,comm"]);
    const rows = ps.split("\n").slice(1).map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows[0], ["1", "0", "docker-init"], ps);
    assert.ok(rows.some((r) => r[1] === "1" && r[2] === "ps"), ps);
    assert.equal(await d.ok(["run", "--rm", "--init", "busybox", "sh", "-c", "mount | grep -c ' /sbin/docker-init .*(ro,'"]), "1");
    // Without --init the command is PID 1 itself.
    assert.equal(await d.ok(["run", "--rm", "busybox", "cat", "/proc/1/comm"]), "cat");
    const c = name();
    await d.ok(["run", "-d", "--init", "--name", c, "busybox", "sleep", "100"]);
    // sleep ignores nothing: tini forwards SIGTERM, sleep dies of it, tini exits 128+15.
    await d.ok(["stop", "-t", "30", c]);
    assert.equal(await d.ok(["inspect", "-f", "{{.State.ExitCode}}|{{.HostConfig.Init}}|{{.Path}}", c]), "143|true|sleep");
    await d.ok(["rm", c]);
  });
});

test("berthd --init --init-path: containers that do not choose get the init; --init=false opts out", { skip }, async () => {
  const d = await startTestDaemon({ args: ["--init", "--init-path", "/usr/bin/tini-static"] });
  try {
    assert.equal(await d.ok(["run", "--rm", "busybox", "cat", "/proc/1/comm"]), "docker-init");
    assert.equal(await d.ok(["run", "--rm", "--init=false", "busybox", "cat", "/proc/1/comm"]), "cat");
    // As moby: the container's own choice stays null in inspect.
    const c = name();
    await d.ok(["create", "--name", c, "busybox", "true"]);
    assert.equal(await d.ok(["inspect", "-f", "{{.HostConfig.Init}}", c]), "<nil>");
    await d.ok(["rm", c]);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
});

test("--device: the node works inside; :r refuses writes through the device cgroup; a missing device fails", { skip }, async () => {
  await withDaemon(async (d) => {
    assert.equal(await d.ok(["run", "--rm", "--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c",
      "stat -c '%t:%T %F' /dev/mynull && echo data > /dev/mynull && wc -c < /dev/mynull"]), "1:3 character special file\n0");
    // loop-control (c 10:237) is not among the devices every container may use.
    const open = "dd if=/dev/lc of=/dev/null count=0 2>&1 && echo read-ok; dd if=/dev/zero of=/dev/lc count=0 2>&1 && echo write-ok || echo write-refused";
    const ro = await d.ok(["run", "--rm", "--device", "/dev/loop-control:/dev/lc:r", "busybox", "sh", "-c", open]);
    assert.match(ro, /read-ok/);
    assert.match(ro, /Operation not permitted[\s\S]*write-refused/);
    const rw = await d.ok(["run", "--rm", "--device", "/dev/loop-control:/dev/lc:rw", "busybox", "sh", "-c", open]);
    assert.match(rw, /read-ok[\s\S]*write-ok/);
    // Not given at all: the node is not there.
    assert.equal(await d.ok(["run", "--rm", "busybox", "sh", "-c", "test -e /dev/loop-control && echo present || echo absent"]), "absent");

    const missing = await d.docker(["run", "--rm", "--device", "/dev/berth-test-no-such-device", "busybox", "true"]);
    // The docker CLI maps "no such file or directory" in a run error to 127, as with Docker.
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /error gathering device information while adding custom device "\/dev\/berth-test-no-such-device": no such file or directory/);
  });
});
