import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { defaultShimPath } from "../runtime/linuxContext.js";
import { LinuxSys } from "./linuxSys.js";
import { ShimLauncher } from "./shimLauncher.js";

// Unprivileged: the launcher only forks and executes. Needs `make -C native`.
const SHIM = defaultShimPath();
const skip = existsSync(SHIM) ? false : `${SHIM} is not built (make -C native)`;

function parentOf(pid: number): number {
  return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
}

test("launcher: relays the first line of fd 3, the pid and the exit status", { skip }, async () => {
  const l = new ShimLauncher(SHIM);
  try {
    const r = await l.spawn("/bin/sh", ["-c", "echo \"ok\t$$\" >&3; exit 3"], "ignore");
    assert.equal(r.syncLine, `ok\t${r.pid}`);
    assert.deepEqual(await r.exited, { code: 3, signal: null });
    const k = await l.spawn("/bin/sh", ["-c", "kill -9 $$"], "ignore");
    assert.equal(k.syncLine, "", "EOF without a line is an empty line, as with a direct spawn");
    assert.deepEqual(await k.exited, { code: null, signal: "SIGKILL" });
  } finally {
    l.close();
  }
});

test("launcher: ignore gives /dev/null as stdio; arguments keep tabs, newlines and backslashes", { skip }, async () => {
  const l = new ShimLauncher(SHIM);
  try {
    const r = await l.spawn("/bin/sh", ["-c", 'printf "%s|%s" "$(readlink /proc/$$/fd/1)" "$1" | tr "\\t\\n\\\\" "TNB" >&3; echo >&3', "sh", "a\tb\nc\\d"], "ignore");
    assert.equal(r.syncLine, "/dev/null|aTbNcBd");
    await r.exited;
  } finally {
    l.close();
  }
});

test("launcher: a missing program rejects like spawn (ENOENT) and the launcher keeps serving", { skip }, async () => {
  const l = new ShimLauncher(SHIM);
  try {
    await assert.rejects(l.spawn("/nonexistent/berth-test-prog", [], "ignore"), (e: NodeJS.ErrnoException) => e.code === "ENOENT");
    const r = await l.spawn("/bin/sh", ["-c", "echo fine >&3"], "inherit");
    assert.equal(r.syncLine, "fine");
    await r.exited;
  } finally {
    l.close();
  }
});

test("launcher: concurrent spawns are answered each under its own tag", { skip }, async () => {
  const l = new ShimLauncher(SHIM);
  try {
    const rs = await Promise.all([0, 1, 2, 3, 4].map((i) => l.spawn("/bin/sh", ["-c", `sleep 0.0${5 - i}; echo n${i} >&3`], "ignore")));
    assert.deepEqual(rs.map((r) => r.syncLine), ["n0", "n1", "n2", "n3", "n4"]);
    await Promise.all(rs.map((r) => r.exited));
  } finally {
    l.close();
  }
});

test("launcher protocol: unknown and malformed requests are errors; EOF ends the launcher", { skip }, async () => {
  const child = spawn(SHIM, ["launcher", "--ctl-fd", "3"], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
  const sock = child.stdio[3] as Socket;
  let out = "";
  sock.setEncoding("utf8").on("data", (d: string) => (out += d));
  sock.write("bogus\tt1\n");
  sock.write("spawn\tt2\tsometimes\t/bin/true\n");
  sock.write("spawn\tt3\n");
  await new Promise((r) => setTimeout(r, 200));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  sock.end();
  assert.equal(await exited, 0);
  assert.deepEqual(out.trim().split("\n").map((l) => l.split("\t").slice(0, 3).join(" ")), ["error t1 22", "error t2 22", "error t3 22"]);
});

test("LinuxSys: the first shim is spawned directly, later ones through the launcher", { skip }, async () => {
  const sys = new LinuxSys();
  const req = { shimPath: SHIM, stdio: "ignore" as const, args: [] as string[] };
  // berth-shim with a usage error reports on the sync fd and exits 2: enough to see who forked it.
  const first = await sys.spawnShim({ ...req, args: ["create", "--sync-fd", "3"] });
  assert.match(first.syncLine, /^error\tusage\t/);
  assert.deepEqual(await first.exited, { code: 2, signal: null });
  const second = await sys.spawnShim({ ...req, args: ["create", "--sync-fd", "3"] });
  assert.match(second.syncLine, /^error\tusage\t/);
  assert.deepEqual(await second.exited, { code: 2, signal: null });
  // A long-running one shows its parent: the launcher, not us.
  const third = await sys.spawnShim({ shimPath: "/bin/sh", stdio: "ignore", args: ["-c", "echo up >&3; exec sleep 5"] });
  try {
    assert.equal(third.syncLine, "up");
    const parent = parentOf(third.pid);
    assert.notEqual(parent, process.pid);
    assert.match(readFileSync(`/proc/${parent}/cmdline`, "utf8"), /launcher/);
  } finally {
    process.kill(third.pid, "SIGKILL");
  }
  assert.deepEqual(await third.exited, { code: null, signal: "SIGKILL" });
});

// mount/umount are done by the launcher itself, in our mount namespace: needs root.
const skipMount = skip || (process.getuid?.() !== 0 ? "mounting needs root" : false);

function mountedAt(path: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.split(" ")[4] === path).map((l) => l.split(" - ")[1]?.split(" ")[0] ?? "");
}

test("launcher: mount and umount2 in our mount namespace, errors with their errno", { skip: skipMount }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-launcher-"));
  const l = new ShimLauncher(SHIM);
  try {
    const t = join(dir, "t");
    mkdirSync(t);
    await l.mount({ source: "tmpfs", target: t, fstype: "tmpfs", flags: 2 | 4, data: "size=1m,mode=0711" });
    await l.mount({ source: "tmpfs", target: t, fstype: "tmpfs", flags: 0, data: "" });
    assert.deepEqual(mountedAt(t), ["tmpfs", "tmpfs"], "stacked");
    await l.umount(t, 0);
    await l.umount(t, 0);
    assert.deepEqual(mountedAt(t), []);
    await assert.rejects(l.umount(t, 0), (e: NodeJS.ErrnoException) => e.code === "EINVAL" && e.message.includes(t));
    await assert.rejects(l.mount({ source: "tmpfs", target: join(dir, "missing"), fstype: "tmpfs", flags: 0, data: "" }), (e: NodeJS.ErrnoException) => e.code === "ENOENT" && /^mount tmpfs on .*missing: /.test(e.message));
    await assert.rejects(l.mount({ source: "none", target: t, fstype: "berth-test-nofs", flags: 0, data: "" }), (e: NodeJS.ErrnoException) => e.code === "ENODEV");
    assert.deepEqual(mountedAt(t), []);
  } finally {
    l.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("launcher: a read-only bind is a bind plus a remount; a lazy umount detaches a busy mount", { skip: skipMount }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-launcher-"));
  const l = new ShimLauncher(SHIM);
  try {
    const src = join(dir, "src");
    const t = join(dir, "t");
    mkdirSync(src);
    mkdirSync(t);
    writeFileSync(join(src, "f"), "x");
    await l.mount({ source: src, target: t, fstype: "", flags: 4096 | 16384 | 1, data: "" });
    assert.equal(readFileSync(join(t, "f"), "utf8"), "x");
    assert.throws(() => writeFileSync(join(t, "g"), "y"), (e: NodeJS.ErrnoException) => e.code === "EROFS");
    const busy = openSync(join(t, "f"), "r");
    try {
      await assert.rejects(l.umount(t, 0), (e: NodeJS.ErrnoException) => e.code === "EBUSY");
      await l.umount(t, 2 /* MNT_DETACH */);
      assert.deepEqual(mountedAt(t), []);
    } finally {
      closeSync(busy);
    }
  } finally {
    l.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("launcher: mount with a working directory (relative overlay lowerdirs); the launcher's own is kept for later spawns", { skip: skipMount }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-launcher-"));
  const l = new ShimLauncher(SHIM);
  try {
    for (const d of ["l1", "l2", "u", "w", "t"]) mkdirSync(join(dir, d));
    writeFileSync(join(dir, "l1", "a"), "1");
    writeFileSync(join(dir, "l2", "b"), "2");
    const t = join(dir, "t");
    await l.mount({ source: "overlay", target: t, fstype: "overlay", flags: 0, data: "lowerdir=l2:l1,upperdir=u,workdir=w", cwd: dir });
    try {
      assert.deepEqual(readdirSync(t).sort(), ["a", "b"]);
    } finally {
      await l.umount(t, 0);
    }
    await assert.rejects(l.mount({ source: "overlay", target: t, fstype: "overlay", flags: 0, data: "", cwd: join(dir, "missing") }), (e: NodeJS.ErrnoException) => e.code === "ENOENT" && /^chdir /.test(e.message));
    const r = await l.spawn("/bin/sh", ["-c", "pwd >&3"], "ignore");
    assert.equal(r.syncLine, process.cwd());
    await r.exited;
  } finally {
    l.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("launcher protocol: malformed mount and umount requests are errors", { skip }, async () => {
  const l = new ShimLauncher(SHIM);
  try {
    await assert.rejects(l.umount("/x", -1), (e: NodeJS.ErrnoException) => e.code === "EINVAL" && /decimal flags/.test(e.message));
    await assert.rejects(l.mount({ source: "s", target: "/x", fstype: "tmpfs", flags: 1.5, data: "" }), (e: NodeJS.ErrnoException) => e.code === "EINVAL" && /decimal flags/.test(e.message));
  } finally {
    l.close();
  }
});

test("launcher: keeping cgroup migrations warm after a spawn moves neither it nor what it spawns", { skip }, async () => {
  const l = new ShimLauncher(SHIM);
  try {
    const ours = readFileSync("/proc/self/cgroup", "utf8").trim().split("\n").join(" ");
    const r = await l.spawn("/bin/sh", ["-c", 'echo "$PPID $(tr "\\n" " " < /proc/self/cgroup)" >&3; sleep 0.1'], "ignore");
    const [launcherPid, ...cg] = r.syncLine.trim().split(" ");
    assert.equal(cg.join(" "), ours, "the spawned process is in our cgroups");
    // The helper thread writes during the next seconds; the launcher stays where it was.
    await new Promise((res) => setTimeout(res, 60));
    assert.equal(readFileSync(`/proc/${launcherPid}/cgroup`, "utf8").trim().split("\n").join(" "), ours);
    assert.equal(readdirSync(`/proc/${launcherPid}/task`).length, 2, "the helper thread runs (it found our cgroup.procs)");
    await r.exited;
    const again = await l.spawn("/bin/sh", ["-c", 'tr "\\n" " " < /proc/self/cgroup >&3; echo >&3'], "ignore");
    assert.equal(again.syncLine.trim(), ours);
    await again.exited;
  } finally {
    l.close();
  }
});

test("launcher: concurrent unmounts (each in its own thread) are answered under their own tags", { skip: skipMount }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-launcher-"));
  const l = new ShimLauncher(SHIM);
  const targets = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => join(dir, `t${i}`));
  try {
    for (const t of targets) {
      mkdirSync(t);
      await l.mount({ source: "tmpfs", target: t, fstype: "tmpfs", flags: 0, data: "size=1m" });
    }
    const never = join(dir, "never-mounted");
    mkdirSync(never);
    const results = await Promise.allSettled([...targets, never].map((t) => l.umount(t, 0)));
    assert.deepEqual(results.slice(0, 8).map((r) => r.status), Array(8).fill("fulfilled"));
    assert.equal(results[8]!.status, "rejected");
    assert.match(((results[8] as PromiseRejectedResult).reason as Error).message, /never-mounted/);
    for (const t of targets) assert.deepEqual(mountedAt(t), []);
  } finally {
    for (const t of targets) await l.umount(t, 2).catch(() => {});
    l.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
