/**
 * Live restore: berthd killed with SIGKILL leaves its containers running; the next berthd adopts
 * them (state, wait, exit code) and records the exits that happened while it was away. A second
 * daemon on the same data root is refused.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { daemonSkipReason, startTestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

test("kill -9 berthd: containers keep running, the next berthd adopts them and records exits", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const long = await d.ok(["run", "-d", "--name", "long", "busybox", "sh", "-c", "echo before; sleep 2; echo after; sleep 1; exit 7"]);
    const quick = await d.ok(["run", "-d", "--name", "quick", "busybox", "sh", "-c", "sleep 0.5; exit 3"]);
    const pid = Number(await d.ok(["inspect", "-f", "{{.State.Pid}}", "long"]));
    await d.crash();
    assert.equal(spawnSync("kill", ["-0", String(pid)]).status, 0, "the container outlives the daemon");
    await new Promise((r) => setTimeout(r, 1000));
    await d.restart();
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}} {{.State.Pid}}", long]), `running ${pid}`);
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", quick]), "exited 3", "the exit while the daemon was down is recorded");
    const w = await d.docker(["wait", "long"]);
    assert.equal(w.stdout.trim(), "7", w.stderr);
    assert.equal(await d.ok(["logs", "long"]), "before\nafter", "the log kept what was written while the daemon was away");
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", long]), "exited 7");
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], d.log());
});

test("a second berthd on the same data root refuses to start; SIGTERM leaves containers running", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const id = await d.ok(["run", "-d", "busybox", "sleep", "100"]);
    const second = spawnSync(process.execPath, [resolve("dist/src/bin/berthd.js"), "-H", `unix://${d.dir}/second.sock`, "--data-root", d.dataRoot, "--exec-root", `${d.dir}/exec2`, "--pidfile", `${d.dir}/second.pid`], { encoding: "utf8", timeout: 20_000 });
    assert.equal(second.status, 1);
    assert.match(second.stderr, /is in use by another daemon/);

    const pid = Number(await d.ok(["inspect", "-f", "{{.State.Pid}}", id]));
    await d.stop();
    assert.equal(spawnSync("kill", ["-0", String(pid)]).status, 0, "a graceful stop leaves the container running");
    await d.restart();
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}}", id]), "running");
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], d.log());
});
