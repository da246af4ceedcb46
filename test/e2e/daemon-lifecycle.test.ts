/**
 * berthd end to end with the real docker CLI: detached runs, ps, inspect, stop/kill/pause/rename,
 * rm rules and texts, prune. Every test gets its own daemon and leaves nothing behind.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { containerCgroups, daemonSkipReason, mountsUnder, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

async function withDaemon(fn: (d: TestDaemon) => Promise<void>): Promise<void> {
  const d = await startTestDaemon();
  let ids: string[] = [];
  try {
    await fn(d);
    ids = (await d.docker(["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
  for (const id of ids) assert.deepEqual(containerCgroups(id), []);
}

test("run -d, ps columns, inspect fields, stop escalates to SIGKILL, rm", { skip }, async () => {
  await withDaemon(async (d) => {
    const id = await d.ok(["run", "-d", "--name", "web", "--label", "berth-test=1", "busybox", "sleep", "100"]);
    assert.match(id, /^[0-9a-f]{64}$/);
    const ps = await d.ok(["ps", "--no-trunc", "--format", "{{.ID}}|{{.Image}}|{{.Command}}|{{.Status}}|{{.Names}}|{{.Labels}}"]);
    assert.match(ps, new RegExp(`^${id}\\|busybox\\|"sleep 100"\\|Up (Less than a second|\\d+ seconds?)\\|web\\|berth-test=1$`));
    const table = await d.ok(["ps"]);
    assert.match(table.split("\n")[0], /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);

    const info = JSON.parse(await d.ok(["inspect", "web"]))[0];
    assert.equal(info.Id, id);
    assert.equal(info.Name, "/web");
    assert.equal(info.Path, "sleep");
    assert.deepEqual(info.Args, ["100"]);
    assert.equal(info.State.Status, "running");
    assert.equal(info.State.Running, true);
    assert.ok(info.State.Pid > 0);
    assert.match(info.State.StartedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(info.State.FinishedAt, "0001-01-01T00:00:00Z");
    assert.match(info.Image, /^sha256:[0-9a-f]{64}$/);
    assert.equal(info.Driver, "overlayfs");
    assert.equal(info.Platform, "linux");
    assert.equal(info.RestartCount, 0);
    assert.equal(info.Config.Image, "busybox");
    assert.deepEqual(info.Config.Cmd, ["sleep", "100"]);
    assert.equal(info.Config.Labels["berth-test"], "1");
    assert.equal(info.HostConfig.LogConfig.Type, "json-file");
    assert.ok(info.GraphDriver.Data.UpperDir, "the writable layer is shown");
    assert.ok(info.LogPath.startsWith(d.dataRoot));
    assert.ok(info.HostsPath.endsWith("/hosts"));

    const stop = await d.docker(["stop", "-t", "1", "web"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout.trim(), "web");
    const state = JSON.parse(await d.ok(["inspect", "--format", "{{json .State}}", "web"]));
    assert.equal(state.Status, "exited");
    // busybox sleep as pid 1 ignores SIGTERM: the stop escalated to SIGKILL.
    assert.ok(state.ExitCode === 137 || state.ExitCode === 143, `exit code ${state.ExitCode}`);
    assert.equal(state.Pid, 0);
    assert.notEqual(state.FinishedAt, "0001-01-01T00:00:00Z");
    assert.equal(await d.ok(["ps", "-a", "--format", "{{.Status}}"]).then((s) => /^Exited \((137|143)\) /.test(s)), true);
    assert.equal((await d.docker(["stop", "web"])).code, 0, "stopping a stopped container is not an error (304)");
    assert.deepEqual(await mountsUnder(`${d.dataRoot}/containers/${id}`), [], "the rootfs is unmounted once it exited");
    assert.deepEqual(containerCgroups(id), [], "the cgroup is gone once it exited");

    assert.equal(await d.ok(["rm", "web"]), "web");
    const gone = await d.docker(["inspect", "web"]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No such object: web/);
  });
});

test("names: conflict text, rename, rm of a running container needs force", { skip }, async () => {
  await withDaemon(async (d) => {
    const id = await d.ok(["run", "-d", "--name", "berth-test-a", "busybox", "sleep", "100"]);
    const again = await d.docker(["run", "-d", "--name", "berth-test-a", "busybox", "true"]);
    assert.equal(again.code, 125);
    assert.match(again.stderr, new RegExp(`Conflict\\. The container name "/berth-test-a" is already in use by container "${id}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.`));
    const bad = await d.docker(["create", "--name", "-bad", "busybox"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Invalid container name/);

    await d.ok(["rename", "berth-test-a", "berth-test-b"]);
    assert.equal(await d.ok(["inspect", "--format", "{{.Name}}", id.slice(0, 12)]), "/berth-test-b");
    const rm = await d.docker(["rm", "berth-test-b"]);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, new RegExp(`You cannot remove a running container ${id}\\. Stop the container before attempting removal or force remove`));
    assert.equal(await d.ok(["rm", "-f", "berth-test-b"]), "berth-test-b");
    assert.equal(await d.ok(["ps", "-aq"]), "");
    const missing = await d.docker(["rm", "nosuch"]);
    assert.match(missing.stderr, /No such container: nosuch/);

    // Generated names look like Docker's.
    await d.ok(["create", "busybox", "true"]);
    assert.match(await d.ok(["ps", "-a", "--format", "{{.Names}}"]), /^[a-z]+_[a-z]+\d?$/);
  });
});

test("kill with a signal, pause and unpause, kill of a stopped container is a conflict", { skip }, async () => {
  await withDaemon(async (d) => {
    // A shell that reports the USR1 it gets through a file the test reads via a bind mount.
    const out = `${d.dir}/out`;
    await d.ok(["run", "-d", "--name", "berth-test-k", "-v", `${out}:/out`, "busybox", "sh", "-c", "trap 'echo usr1 > /out/got' USR1; while true; do sleep 0.1; done"]);
    await d.ok(["kill", "-s", "USR1", "berth-test-k"]);
    const { readFile } = await import("node:fs/promises");
    let got = "";
    for (let i = 0; i < 50 && got === ""; i++) {
      got = await readFile(`${out}/got`, "utf8").catch(() => "");
      if (got === "") await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(got.trim(), "usr1");
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}}", "berth-test-k"]), "running");

    await d.ok(["pause", "berth-test-k"]);
    const paused = JSON.parse(await d.ok(["inspect", "-f", "{{json .State}}", "berth-test-k"]));
    assert.equal(paused.Status, "paused");
    assert.equal(paused.Paused, true);
    assert.match(await d.ok(["ps", "--format", "{{.Status}}"]), /\(Paused\)$/);
    const twice = await d.docker(["pause", "berth-test-k"]);
    assert.match(twice.stderr, /is already paused/);
    await d.ok(["unpause", "berth-test-k"]);
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}}", "berth-test-k"]), "running");

    await d.ok(["kill", "berth-test-k"]);
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "berth-test-k"]), "exited 137");
    const again = await d.docker(["kill", "berth-test-k"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not running/);
  });
});

test("container prune removes stopped containers only; ps filters", { skip }, async () => {
  await withDaemon(async (d) => {
    const done = await d.ok(["run", "-d", "--label", "kind=done", "busybox", "sh", "-c", "exit 3"]);
    const up = await d.ok(["run", "-d", "--name", "up", "busybox", "sleep", "100"]);
    await d.ok(["wait", done]);
    assert.equal(await d.ok(["ps", "-aq", "--no-trunc", "--filter", "exited=3"]), done);
    assert.equal(await d.ok(["ps", "-aq", "--no-trunc", "--filter", "status=running"]), up);
    assert.equal(await d.ok(["ps", "-aq", "--no-trunc", "--filter", "label=kind=done"]), done);
    assert.equal(await d.ok(["ps", "-aq", "--no-trunc", "--filter", "name=^/up$"]), up);
    assert.equal(await d.ok(["ps", "-q", "--no-trunc"]), up, "without -a only running ones");
    const bad = await d.docker(["ps", "--filter", "status=sleepy"]);
    assert.notEqual(bad.code, 0);

    const pruned = await d.ok(["container", "prune", "-f"]);
    assert.match(pruned, new RegExp(`Deleted Containers:\\n${done}`));
    assert.equal(await d.ok(["ps", "-aq", "--no-trunc"]), up);
  });
});

test("docker events replays the container's lifecycle with Docker's actions and attributes", { skip }, async () => {
  await withDaemon(async (d) => {
    const since = (Date.now() / 1000 - 1).toFixed(3);
    const id = await d.ok(["run", "-d", "--name", "berth-test-ev", "--label", "team=berth", "busybox", "sh", "-c", "exit 2"]);
    await d.ok(["wait", id]);
    await d.ok(["rename", "berth-test-ev", "berth-test-ev2"]);
    await d.ok(["rm", "berth-test-ev2"]);
    const until = (Date.now() / 1000 + 0.5).toFixed(3);
    const out = await d.ok(["events", "--since", since, "--until", until, "--filter", `container=${id}`, "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.team}} {{.Actor.Attributes.exitCode}}"]);
    const lines = out.split("\n").filter((l) => !l.includes(" attach ")).map((l) => l.trim());
    assert.deepEqual(lines, [
      "container create berth-test-ev berth <no value>",
      "container start berth-test-ev berth <no value>",
      "container die berth-test-ev berth 2",
      "container rename berth-test-ev2 berth <no value>",
      "container destroy berth-test-ev2 berth <no value>",
    ]);
  });
});
