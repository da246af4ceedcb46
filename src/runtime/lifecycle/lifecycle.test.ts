import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, mkdir, writeFile, readFile, readdir, rm, access } from "node:fs/promises";
import { renameSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultSpec } from "../../oci/defaults.js";
import type { Spec } from "../../oci/runtime.js";
import { RecordingSys } from "../../sys/RecordingSys.js";
import { FakeCgroupManager } from "../testing/FakeCgroupManager.js";
import type { RuntimeContext } from "../RuntimeContext.js";
import { createContainer, STATE_DIR_LAYOUT } from "./create.js";
import { startContainer } from "./start.js";
import { containerState } from "./state.js";
import { killContainer } from "./kill.js";
import { deleteContainer } from "./delete.js";
import { pauseContainer } from "./pause.js";
import { resumeContainer } from "./resume.js";
import { execInContainer } from "./exec.js";
import { listContainers } from "./list.js";
import { listProcesses } from "./ps.js";
import { isEngineError } from "../../errors/EngineError.js";
import { BackgroundDeletes } from "../../util/backgroundDeletes.js";

interface Env {
  ctx: RuntimeContext;
  sys: RecordingSys;
  cg: FakeCgroupManager;
  bundle: string;
  root: string;
  servers: Server[];
  cleanup(): Promise<void>;
}

/** A fake shim: answers create with ok, serves ctl.sock (start -> ok), and "exits" the container on SIGKILL/SIGTERM. */
async function setup(mut: (s: Spec) => void = () => {}): Promise<Env> {
  const base = await mkdtemp(join(tmpdir(), "berth-test-lc-"));
  const bundle = join(base, "bundle");
  await mkdir(join(bundle, "rootfs"), { recursive: true });
  const spec = defaultSpec({ args: ["/bin/true"], terminal: false });
  spec.hooks = { poststart: [{ path: "/hooks/poststart" }], poststop: [{ path: "/hooks/poststop" }] };
  mut(spec);
  await writeFile(join(bundle, "config.json"), JSON.stringify(spec));
  const sys = new RecordingSys();
  const cg = new FakeCgroupManager(1);
  const root = join(base, "root");
  const servers: Server[] = [];
  let nextPid = 7000;
  sys.onSpawn = async (req) => {
    const dir = req.args[req.args.indexOf("--state-dir") + 1];
    const pid = nextPid++;
    const shimPid = nextPid++;
    sys.addProcess(pid, "111");
    sys.addProcess(shimPid, "222");
    if (req.args[0] === "exec") {
      await writeFile(join(dir, "exit"), "exited\t3\t1\n");
      sys.procs.set(pid, { pid, state: "Z", startTime: "111" });
      return { syncLine: `ok\t${pid}` };
    }
    const srv = createServer((c) => c.once("data", () => c.end("ok\n")));
    await new Promise<void>((r) => srv.listen(join(dir, "ctl.sock"), r));
    servers.push(srv);
    return { syncLine: `ok\t${pid}\t${shimPid}` };
  };
  // A fatal signal "ends" the container: the shim writes exit and leaves.
  const finish = async (pid: number, signal: number) => {
    for (const id of await listContainers(ctx).then((l) => l.map((c) => c.id))) {
      const rec = JSON.parse(await readFile(join(root, id, "state.json"), "utf8"));
      if (rec.pid === pid) {
        await writeFile(join(root, id, "exit"), `signaled\t${signal}\t1\n`);
        sys.procs.set(rec.shimPid, { pid: rec.shimPid, state: "Z", startTime: "222" });
      }
    }
  };
  const pending: Promise<void>[] = [];
  sys.onKill = (pid, signal) => {
    const p = sys.procs.get(pid);
    if (p && p.state !== "Z" && (signal === 9 || signal === 15)) {
      sys.procs.set(pid, { ...p, state: "Z" });
      pending.push(finish(pid, signal));
    }
  };
  // Container inits get even pids in this fake; killAll signals them like the real cgroup would.
  cg.onKillAll = async (_path, signal) => {
    for (const [pid] of sys.procs) if (pid % 2 === 0) sys.onKill(pid, Number(signal));
    await Promise.all(pending);
  };
  const ctx: RuntimeContext = { root, sys, cgroups: cg, shimPath: "/fake/berth-shim", cgroupHierarchies: async () => [{ mountpoint: "/sys/fs/cgroup/memory", options: "memory" }] };
  return {
    ctx,
    sys,
    cg,
    bundle,
    root,
    servers,
    cleanup: async () => {
      await Promise.all(pending);
      for (const s of servers) s.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

const exists = (p: string) => access(p).then(() => true, () => false);

test("create writes plan and record, makes the cgroup, spawns the shim with a sync fd", async () => {
  const e = await setup();
  try {
    const r = await createContainer(e.ctx, { id: "c1", bundle: e.bundle, pidFile: join(e.root, "..", "pid") });
    assert.equal(r.pid, 7000);
    assert.deepEqual(e.cg.calls, ["create /berth/c1"]);
    const res = e.cg.groups.get("/berth/c1")!.resources!;
    assert.deepEqual(res.devices![0], { allow: false, access: "rwm" });
    assert.ok(res.devices!.some((d) => d.allow && d.major === 1 && d.minor === 3));
    const spawn = e.sys.calls.find((c) => c.op === "spawnShim")!;
    assert.ok(spawn.op === "spawnShim");
    assert.deepEqual(spawn.req.args, ["create", "--state-dir", join(e.root, "c1"), "--plan", join(e.root, "c1", "plan"), "--sync-fd", "3", "--stdio", "inherit"]);
    const plan = await readFile(join(e.root, "c1", "plan"), "utf8");
    assert.ok(plan.startsWith("version\t1\nid\tc1\n"));
    assert.ok(plan.includes("cgroup_procs\t/fake/memory/berth/c1/cgroup.procs\n"));
    assert.ok(plan.includes("mount\t/sys/fs/cgroup/memory\tcgroup\tcgroup\t"));
    assert.equal(await readFile(join(e.root, "..", "pid"), "utf8"), "7000");
    assert.deepEqual(await containerState(e.ctx, "c1"), { ociVersion: "1.0.2", id: "c1", status: "created", pid: 7000, bundle: e.bundle });
  } finally {
    await e.cleanup();
  }
});

test("start, poststart hooks, kill, exit record -> stopped, delete runs poststop and removes everything", async () => {
  const e = await setup();
  try {
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    const st = await startContainer(e.ctx, "c1");
    assert.deepEqual(st.warnings, []);
    assert.equal((await containerState(e.ctx, "c1")).status, "running");
    const hook = e.sys.calls.find((c) => c.op === "runHook");
    assert.ok(hook && hook.op === "runHook" && hook.hook.path === "/hooks/poststart" && JSON.parse(hook.stateJson).status === "running");
    await assert.rejects(startContainer(e.ctx, "c1"), /start c1: cannot start a container that is running/);
    await assert.rejects(deleteContainer(e.ctx, "c1"), /delete c1: cannot delete a container that is running/);
    await killContainer(e.ctx, "c1", { signal: "KILL" });
    assert.ok(e.sys.calls.some((c) => c.op === "kill" && c.pid === 7000 && c.signal === 9));
    await new Promise((r) => setTimeout(r, 20));
    const s = await containerState(e.ctx, "c1");
    assert.equal(s.status, "stopped");
    assert.equal(s.pid, undefined);
    await assert.rejects(killContainer(e.ctx, "c1"), /kill c1: cannot kill a container that is stopped/);
    await assert.rejects(execInContainer(e.ctx, "c1", { args: ["sh"] }), /exec c1: cannot exec in a container that is stopped/);
    await deleteContainer(e.ctx, "c1");
    assert.ok(e.sys.calls.some((c) => c.op === "runHook" && c.hook.path === "/hooks/poststop"));
    assert.equal(await exists(join(e.root, "c1")), false);
    assert.equal(e.cg.groups.size, 0);
    await assert.rejects(containerState(e.ctx, "c1"), (err: unknown) => isEngineError(err, "NotFound"));
  } finally {
    await e.cleanup();
  }
});

test("create returns what it recorded about the shim and cgroup (the engine does not read the record back)", async () => {
  const e = await setup();
  try {
    const r = await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    const rec = JSON.parse(await readFile(join(e.root, "c1", "state.json"), "utf8"));
    assert.deepEqual(r, { id: "c1", pid: rec.pid, shimPid: rec.shimPid, shimStartTime: "222", cgroupsPath: "/berth/c1" });
    assert.equal(rec.shimStartTime, "222");
    assert.equal(rec.cgroupsPath, "/berth/c1");
  } finally {
    await e.cleanup();
  }
});

test("a reused pid (different start time) or a zombie init means stopped", async () => {
  const e = await setup();
  try {
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    e.sys.procs.set(7000, { pid: 7000, state: "S", startTime: "999" });
    assert.equal((await containerState(e.ctx, "c1")).status, "stopped");
    e.sys.procs.set(7000, { pid: 7000, state: "Z", startTime: "111" });
    assert.equal((await containerState(e.ctx, "c1")).status, "stopped");
    e.sys.procs.set(7000, { pid: 7000, state: "S", startTime: "111" });
    assert.equal((await containerState(e.ctx, "c1")).status, "created");
  } finally {
    await e.cleanup();
  }
});

test("a start whose record was lost is still seen: the init no longer runs the shim's program", async () => {
  const e = await setup();
  try {
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    assert.equal((await containerState(e.ctx, "c1")).status, "created");
    e.sys.exes.set(7000, { dev: 1, ino: 99 });
    assert.equal((await containerState(e.ctx, "c1")).status, "running");
    await assert.rejects(startContainer(e.ctx, "c1"), /cannot start a container that is running/);
  } finally {
    await e.cleanup();
  }
});

test("pause and resume go through the freezer; status follows it", async () => {
  const e = await setup();
  try {
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    await startContainer(e.ctx, "c1");
    await pauseContainer(e.ctx, "c1");
    assert.equal((await containerState(e.ctx, "c1")).status, "paused");
    await assert.rejects(pauseContainer(e.ctx, "c1"), /cannot pause a container that is paused/);
    await assert.rejects(execInContainer(e.ctx, "c1", { args: ["sh"] }), /cannot exec in a container that is paused/);
    await resumeContainer(e.ctx, "c1");
    assert.equal((await containerState(e.ctx, "c1")).status, "running");
    await assert.rejects(resumeContainer(e.ctx, "c1"), /cannot resume a container that is running/);
    assert.deepEqual(e.cg.calls.slice(1), ["freeze /berth/c1", "thaw /berth/c1"]);
    e.cg.groups.get("/berth/c1")!.pids.push(9, 7000, 12);
    assert.deepEqual(await listProcesses(e.ctx, "c1"), [9, 12, 7000]);
    await killContainer(e.ctx, "c1", { all: true, signal: "TERM" });
    assert.ok(e.cg.calls.includes("killAll /berth/c1 15"));
  } finally {
    await e.cleanup();
  }
});

test("delete --force kills the cgroup, waits for the shim's exit, then cleans up", async () => {
  const e = await setup();
  try {
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    await startContainer(e.ctx, "c1");
    await deleteContainer(e.ctx, "c1", { force: true });
    assert.ok(e.cg.calls.includes("killAll /berth/c1 9"));
    assert.ok(e.cg.calls.includes("destroy /berth/c1"));
    assert.equal(await exists(join(e.root, "c1")), false);
  } finally {
    await e.cleanup();
  }
});

test("with stateDeletes, delete renames the state directory out of the way and removes it in the background; the same id can be created again meanwhile", async () => {
  const e = await setup();
  try {
    const started: string[] = [];
    const deletes = new BackgroundDeletes();
    e.ctx.stateDeletes = { start: (p: string) => void started.push(p) };
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    await deleteContainer(e.ctx, "c1", { force: true });
    assert.equal(await exists(join(e.root, "c1")), false);
    assert.equal(started.length, 1);
    assert.match(started[0], new RegExp(`^${join(e.root, ".rm-c1.")}[0-9a-f]{8}$`));
    assert.ok(await exists(join(started[0], "state.json")), "only renamed so far");
    assert.deepEqual(await listContainers(e.ctx), []);
    // A second delete of the same id while the first's files are still there gets its own name.
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    await deleteContainer(e.ctx, "c1", { force: true });
    assert.equal(started.length, 2);
    assert.notEqual(started[0], started[1]);
    // What a crash would leave: the owner's sweep at its next start removes both.
    assert.deepEqual((await BackgroundDeletes.sweep(e.root)).length, 2);
    assert.deepEqual((await readdir(e.root)).filter((n) => n.startsWith(".rm-")), []);
    e.ctx.stateDeletes = deletes;
    await createContainer(e.ctx, { id: "c2", bundle: e.bundle });
    await deleteContainer(e.ctx, "c2", { force: true });
    await deletes.flush();
    assert.deepEqual((await readdir(e.root)).filter((n) => n.includes("c2")), []);
  } finally {
    await e.cleanup();
  }
});

test("with premadeStateDirs, create renames a directory made ahead into place and writes into its empty files; an existing directory is refused", async () => {
  const e = await setup();
  try {
    await mkdir(e.root, { recursive: true });
    const made = join(e.root, ".rm-spare-test");
    await mkdir(made, { mode: STATE_DIR_LAYOUT.mode });
    for (const f of STATE_DIR_LAYOUT.files) await writeFile(join(made, f.name), f.content, { mode: f.mode });
    const taken: string[] = [];
    e.ctx.premadeStateDirs = {
      take: (dir: string) => {
        taken.push(dir);
        if (taken.length > 1) return false;
        renameSync(made, dir);
        return true;
      },
    };
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    assert.deepEqual(taken, [join(e.root, "c1")]);
    assert.equal(await exists(made), false);
    assert.equal(JSON.parse(await readFile(join(e.root, "c1", "state.json"), "utf8")).shimStartTime, "222");
    assert.match(await readFile(join(e.root, "c1", "plan"), "utf8"), /^\S/);
    assert.equal((await containerState(e.ctx, "c1")).status, "created");
    // Renaming over it would replace an empty directory: refused before taking anything.
    await mkdir(join(e.root, "c2"));
    await assert.rejects(createContainer(e.ctx, { id: "c2", bundle: e.bundle }), (err: unknown) => isEngineError(err, "AlreadyExists"));
    assert.equal(taken.length, 1);
    // None left: create makes its own directory.
    await createContainer(e.ctx, { id: "c3", bundle: e.bundle });
    assert.equal(taken.length, 2);
    assert.equal((await containerState(e.ctx, "c3")).status, "created");
  } finally {
    await e.cleanup();
  }
});

test("with keepCgroupParent, delete and a failed create leave berth's cgroup parent; without, it goes with the last container", async () => {
  const e = await setup();
  try {
    e.ctx.keepCgroupParent = true;
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    await deleteContainer(e.ctx, "c1", { force: true });
    assert.ok(e.cg.calls.includes("destroy /berth/c1"));
    assert.ok(!e.cg.calls.some((c) => c.startsWith("removeIfEmpty")));
    e.ctx.keepCgroupParent = false;
    await createContainer(e.ctx, { id: "c2", bundle: e.bundle });
    await deleteContainer(e.ctx, "c2", { force: true });
    assert.ok(e.cg.calls.includes("removeIfEmpty /berth"));
  } finally {
    await e.cleanup();
  }
});

test("delete --force clears a state directory a dead create left without a record", async () => {
  const e = await setup();
  try {
    await mkdir(join(e.root, "half"), { recursive: true });
    await assert.rejects(deleteContainer(e.ctx, "half"), /does not exist/);
    const r = await deleteContainer(e.ctx, "half", { force: true });
    assert.match(r.warnings[0], /without a record/);
    assert.equal(await exists(join(e.root, "half")), false);
    await assert.rejects(deleteContainer(e.ctx, "half", { force: true }), (err: unknown) => isEngineError(err, "NotFound"));
  } finally {
    await e.cleanup();
  }
});

test("kill --all reaches a stopped container's leftovers; a plain kill is refused", async () => {
  const e = await setup();
  try {
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    await writeFile(join(e.root, "c1", "exit"), "exited\t0\t1\n");
    await assert.rejects(killContainer(e.ctx, "c1"), /cannot kill a container that is stopped/);
    await killContainer(e.ctx, "c1", { all: true, signal: 9 });
    assert.ok(e.cg.calls.includes("killAll /berth/c1 9"));
  } finally {
    await e.cleanup();
  }
});

test("a duplicate id is refused and the first container is untouched", async () => {
  const e = await setup();
  try {
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    await assert.rejects(createContainer(e.ctx, { id: "c1", bundle: e.bundle }), (err: unknown) => isEngineError(err, "AlreadyExists") && /container c1 already exists/.test((err as Error).message));
    assert.equal((await containerState(e.ctx, "c1")).status, "created");
    assert.deepEqual(e.cg.calls, ["create /berth/c1"]);
  } finally {
    await e.cleanup();
  }
});

test("a shim error rolls back: no state dir, no cgroup; the stage is reported", async () => {
  const e = await setup();
  try {
    e.sys.onSpawn = async () => ({ syncLine: "error\tmount\t2\tmount /data: No such file or directory" });
    await assert.rejects(createContainer(e.ctx, { id: "c1", bundle: e.bundle }), (err: unknown) => isEngineError(err) && err.message === "create c1: mount: mount /data: No such file or directory" && err.detail.stage === "mount");
    assert.equal(await exists(join(e.root, "c1")), false);
    assert.deepEqual(e.cg.calls, ["create /berth/c1", "killAll /berth/c1 9", "destroy /berth/c1", "removeIfEmpty /berth"]);
  } finally {
    await e.cleanup();
  }
});

test("a cgroup that already exists is never adopted (nor destroyed by the rollback)", async () => {
  const e = await setup();
  try {
    e.cg.groups.set("/berth/c1", { pids: [1234], freezer: "thawed" });
    await assert.rejects(createContainer(e.ctx, { id: "c1", bundle: e.bundle }), (err: unknown) => isEngineError(err, "Conflict") && /cgroup \/berth\/c1 already exists/.test((err as Error).message));
    assert.ok(e.cg.groups.has("/berth/c1"));
    assert.deepEqual(e.cg.calls, []);
    assert.equal(await exists(join(e.root, "c1")), false);
  } finally {
    await e.cleanup();
  }
});

test("a failing cleanup is reported together with the original error", async () => {
  const e = await setup();
  try {
    e.sys.onSpawn = async () => ({ syncLine: "" });
    e.cg.destroy = async () => {
      throw new Error("EBUSY");
    };
    await assert.rejects(createContainer(e.ctx, { id: "c1", bundle: e.bundle }), (err: unknown) => isEngineError(err) && /the shim exited without reporting/.test(err.message) && /remove cgroup \/berth\/c1: EBUSY/.test(err.fullMessage()));
  } finally {
    await e.cleanup();
  }
});

test("invalid bundles are refused before anything is made", async () => {
  const cases: [(s: Spec) => void, RegExp][] = [
    [(s) => s.linux!.namespaces!.push({ type: "bogus" as "pid" }), /linux\.namespaces\[6\]\.type: unknown namespace type "bogus"/],
    [(s) => (s.process!.capabilities!.bounding = ["CAP_WHAT"]), /unknown capability "CAP_WHAT"/],
    [(s) => (s.root!.path = "missing"), /rootfs .*missing does not exist/],
    [(s) => s.mounts!.push({ destination: "/x", type: "bind" }), /mounts\[7\]\.source/],
    [(s) => (s.process!.terminal = true), /process\.terminal is true/],
  ];
  for (const [mut, re] of cases) {
    const e = await setup(mut);
    try {
      await assert.rejects(createContainer(e.ctx, { id: "c1", bundle: e.bundle }), re);
      assert.deepEqual(e.cg.calls, []);
      assert.equal(e.sys.calls.length, 0);
      assert.equal(await exists(join(e.root, "c1")), false);
    } finally {
      await e.cleanup();
    }
  }
  const e = await setup();
  try {
    await writeFile(join(e.bundle, "config.json"), "{nope");
    await assert.rejects(createContainer(e.ctx, { id: "c1", bundle: e.bundle }), /config\.json: invalid JSON/);
    await assert.rejects(createContainer(e.ctx, { id: "../x", bundle: e.bundle }), /invalid container id/);
  } finally {
    await e.cleanup();
  }
});

test("exec joins the container's namespaces and cgroup and reports the exit code", async () => {
  const e = await setup();
  try {
    await createContainer(e.ctx, { id: "c1", bundle: e.bundle });
    await startContainer(e.ctx, "c1");
    const r = await execInContainer(e.ctx, "c1", { args: ["sh", "-c", "exit 3"], env: ["X=1"], cwd: "/tmp", user: { uid: 5, gid: 6 } });
    assert.equal(r.exitCode, 3);
    const spawn = e.sys.calls.filter((c) => c.op === "spawnShim")[1];
    assert.ok(spawn.op === "spawnShim");
    assert.equal(spawn.req.args[0], "exec");
    assert.equal(spawn.req.args[spawn.req.args.indexOf("--target-pid") + 1], "7000");
    const execDir = spawn.req.args[spawn.req.args.indexOf("--state-dir") + 1];
    assert.equal(await exists(execDir), false, "foreground exec removes its directory");
    const list = await listContainers(e.ctx);
    assert.deepEqual(list.map((c) => [c.id, c.status]), [["c1", "running"]]);
  } finally {
    await e.cleanup();
  }
});
