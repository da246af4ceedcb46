import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execPlan, execProcess } from "./exec.js";
import type { ContainerRecord } from "../containerStore.js";

const rec: ContainerRecord = {
  id: "c1",
  ociVersion: "1.0.2",
  bundle: "/b",
  rootfs: "/b/rootfs",
  pid: 4242,
  pidStartTime: "1",
  shimPid: 4241,
  shimStartTime: "1",
  cgroupsPath: "/berth/c1",
  started: true,
  created: "2026-01-01T00:00:00Z",
  seccompPath: "/cache/p.bpf",
  namespaces: ["pid", "net", "mnt", "user", "uts"],
  procsFiles: ["/sys/fs/cgroup/pids/berth/c1/cgroup.procs"],
  process: { user: { uid: 0, gid: 0, additionalGids: [1] }, args: ["init"], env: ["PATH=/bin", "A=1"], cwd: "/srv", capabilities: { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"] }, noNewPrivileges: true, terminal: true, consoleSize: { height: 1, width: 1 } },
};

test("exec process: the container's process with args, env appended, cwd/user overridden, terminal off by default", () => {
  const p = execProcess(rec, { args: ["sh"], env: ["A=2"], user: { uid: 7, gid: 8 } });
  assert.deepEqual(p.args, ["sh"]);
  assert.deepEqual(p.env, ["PATH=/bin", "A=1", "A=2"]);
  assert.equal(p.cwd, "/srv");
  assert.deepEqual(p.user, { uid: 7, gid: 8, additionalGids: [1] });
  assert.equal(p.terminal, false);
  assert.equal(p.consoleSize, undefined);
  assert.deepEqual(p.capabilities, rec.process!.capabilities);
  assert.throws(() => execProcess(rec, {}), /no command given/);
  assert.throws(() => execProcess(rec, { process: { user: { uid: 0, gid: 0 }, args: [], cwd: "/" } }), /exec process\.args: must not be empty/);
});

test("exec plan: joins the container's namespaces (user first) by /proc path, its cgroup, same seccomp program", () => {
  const lines = execPlan(rec, execProcess(rec, { args: ["true"] }));
  assert.deepEqual(lines.slice(0, 2), [["version", 1], ["id", "c1"]]);
  assert.deepEqual(lines.filter((l) => l[0] === "ns"), [
    ["ns", "user", "/proc/4242/ns/user"],
    ["ns", "pid", "/proc/4242/ns/pid"],
    ["ns", "net", "/proc/4242/ns/net"],
    ["ns", "uts", "/proc/4242/ns/uts"],
    ["ns", "mnt", "/proc/4242/ns/mnt"],
  ]);
  assert.deepEqual(lines.filter((l) => l[0] === "cgroup_procs"), [["cgroup_procs", "/sys/fs/cgroup/pids/berth/c1/cgroup.procs"]]);
  assert.deepEqual(lines.filter((l) => l[0] === "seccomp"), [["seccomp", "/cache/p.bpf"]]);
  assert.deepEqual(lines.filter((l) => l[0] === "arg"), [["arg", "true"]]);
  assert.equal(lines.filter((l) => l[0] === "mount" || l[0] === "rootfs").length, 0);
});
