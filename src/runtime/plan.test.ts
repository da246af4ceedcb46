import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { Spec } from "../oci/runtime.js";
import { defaultSpec, DOCKER_DEFAULT_CAPABILITIES } from "../oci/defaults.js";
import { buildPlan, type PlanContext } from "./plan.js";
import { planText, type PlanLine } from "./planLines.js";
import { MS } from "./mountOptions.js";

const V1: PlanContext["cgroup"] = {
  version: 1,
  procsFiles: ["/sys/fs/cgroup/memory/berth/c1/cgroup.procs", "/sys/fs/cgroup/cpu,cpuacct/berth/c1/cgroup.procs"],
  hierarchies: [
    { mountpoint: "/sys/fs/cgroup/memory", options: "memory" },
    { mountpoint: "/sys/fs/cgroup/cpu,cpuacct", options: "cpu,cpuacct" },
    { mountpoint: "/sys/fs/cgroup/systemd", options: "none,name=systemd" },
  ],
};
const ctx: PlanContext = { id: "c1", bundle: "/b", cgroup: V1 };

function spec(mut: (s: Spec) => void = () => {}): Spec {
  const s = defaultSpec({ args: ["/bin/true"], terminal: false });
  mut(s);
  return s;
}
const tags = (lines: PlanLine[], tag: string) => lines.filter((l) => l[0] === tag);
const one = (lines: PlanLine[], tag: string) => {
  const t = tags(lines, tag);
  assert.equal(t.length, 1, `exactly one ${tag} line`);
  return t[0];
};

test("header: version first, id, rootfs resolved against the bundle, readonly root, rslave default", () => {
  const p = buildPlan(spec(), ctx);
  assert.deepEqual(p[0], ["version", 1]);
  assert.deepEqual(one(p, "id"), ["id", "c1"]);
  assert.deepEqual(one(p, "rootfs"), ["rootfs", "/b/rootfs"]);
  assert.deepEqual(one(p, "readonly_root"), ["readonly_root", 1]);
  assert.deepEqual(one(p, "rootfs_propagation"), ["rootfs_propagation", MS.SLAVE | MS.REC]);
  assert.deepEqual(one(buildPlan(spec((s) => (s.root = { path: "/abs/root" })), ctx), "rootfs"), ["rootfs", "/abs/root"]);
});

test("namespaces: OCI names mapped (network->net, mount->mnt), user first, join paths kept", () => {
  const p = buildPlan(
    spec((s) => {
      s.linux!.namespaces = [{ type: "network", path: "/var/run/netns/x" }, { type: "mount" }, { type: "pid" }, { type: "user" }, { type: "uts" }, { type: "ipc" }, { type: "cgroup" }, { type: "time" }];
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 10 }, { containerID: 10, hostID: 300000, size: 1 }];
    }),
    ctx,
  );
  assert.deepEqual(tags(p, "ns"), [
    ["ns", "user", ""],
    ["ns", "pid", ""],
    ["ns", "net", "/var/run/netns/x"],
    ["ns", "ipc", ""],
    ["ns", "uts", ""],
    ["ns", "mnt", ""],
    ["ns", "cgroup", ""],
    ["ns", "time", ""],
  ]);
  assert.deepEqual(tags(p, "uid_map"), [["uid_map", 0, 100000, 65536]]);
  assert.deepEqual(tags(p, "gid_map"), [["gid_map", 0, 200000, 10], ["gid_map", 10, 300000, 1]]);
  assert.deepEqual(one(p, "setgroups"), ["setgroups", "allow"]);
});

test("namespace errors name the field", () => {
  assert.throws(() => buildPlan(spec((s) => s.linux!.namespaces!.push({ type: "pid" })), ctx), /linux\.namespaces\[6\]: namespace type "pid" listed twice/);
  assert.throws(() => buildPlan(spec((s) => s.linux!.namespaces!.push({ type: "bogus" as "pid" })), ctx), /linux\.namespaces\[6\]\.type: unknown namespace type "bogus"/);
  assert.throws(() => buildPlan(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "mount"))), ctx), /new mount namespace is required/);
  assert.throws(() => buildPlan(spec((s) => s.linux!.namespaces!.push({ type: "user" })), ctx), /needs uidMappings and gidMappings/);
  assert.throws(() => buildPlan(spec((s) => (s.linux!.uidMappings = [{ containerID: 0, hostID: 1, size: 1 }])), ctx), /id mappings need a new user namespace/);
  assert.throws(() => buildPlan(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "uts"))), ctx), /hostname: setting a hostname needs a uts namespace/);
});

test("hostname and domainname", () => {
  const p = buildPlan(spec((s) => ((s.hostname = "h1"), (s.domainname = "example.org"))), ctx);
  assert.deepEqual(one(p, "hostname"), ["hostname", "h1"]);
  assert.deepEqual(one(p, "domainname"), ["domainname", "example.org"]);
});

test("cgroup_procs lines come from the cgroup manager", () => {
  assert.deepEqual(tags(buildPlan(spec(), ctx), "cgroup_procs"), V1!.procsFiles.map((f) => ["cgroup_procs", f]));
  const noCgroupMount = spec((s) => (s.mounts = s.mounts!.filter((m) => m.type !== "cgroup")));
  assert.deepEqual(tags(buildPlan(noCgroupMount, { id: "c1", bundle: "/b" }), "cgroup_procs"), []);
});

test("mounts: options to flags/propagation/data, default mounts in order", () => {
  const p = buildPlan(spec(), ctx);
  const m = tags(p, "mount");
  assert.deepEqual(m[0], ["mount", "/proc", "proc", "proc", 0, 0, ""]);
  assert.deepEqual(m[1], ["mount", "/dev", "tmpfs", "tmpfs", MS.NOSUID | MS.STRICTATIME, 0, "mode=755,size=65536k"]);
  assert.deepEqual(m[2], ["mount", "/dev/pts", "devpts", "devpts", MS.NOSUID | MS.NOEXEC, 0, "newinstance,ptmxmode=0666,mode=0620,gid=5"]);
  assert.deepEqual(m[5], ["mount", "/sys", "sysfs", "sysfs", MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY, 0, ""]);
});

test("bind mounts: type bind or a bind option; relative sources resolve against the bundle", () => {
  const p = buildPlan(
    spec((s) =>
      s.mounts!.push(
        { destination: "/data", type: "bind", source: "vol", options: ["ro", "rprivate"] },
        { destination: "/etc/hosts", type: "none", source: "/etc/hosts", options: ["rbind", "nosuid"] },
        { destination: "/x", source: "/src" , options: ["bind"] },
      ),
    ),
    ctx,
  );
  const m = tags(p, "mount");
  assert.deepEqual(m.find((l) => l[1] === "/data"), ["mount", "/data", "bind", "/b/vol", MS.BIND | MS.RDONLY, MS.PRIVATE | MS.REC, ""]);
  assert.deepEqual(m.find((l) => l[1] === "/etc/hosts"), ["mount", "/etc/hosts", "bind", "/etc/hosts", MS.BIND | MS.REC | MS.NOSUID, 0, ""]);
  assert.deepEqual(m.find((l) => l[1] === "/x"), ["mount", "/x", "bind", "/src", MS.BIND, 0, ""]);
});

test("mount errors name the mount", () => {
  assert.throws(() => buildPlan(spec((s) => s.mounts!.push({ destination: "/y", type: "bind" })), ctx), /mounts\[7\]\.source: a bind mount needs a source/);
  assert.throws(() => buildPlan(spec((s) => s.mounts!.push({ destination: "rel", type: "tmpfs" })), ctx), /mounts\[7\]\.destination: path must be absolute/);
  assert.throws(() => buildPlan(spec((s) => s.mounts!.push({ destination: "/z", source: "x" })), ctx), /mounts\[7\]\.type: missing/);
});

test("cgroup mount, v1 inside a cgroup namespace: tmpfs, fresh hierarchy mounts, co-mount symlinks, read-only last", () => {
  const p = buildPlan(spec(), ctx);
  const fl = MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RELATIME;
  const m = tags(p, "mount").filter((l) => String(l[1]).startsWith("/sys/fs/cgroup"));
  assert.deepEqual(m, [
    ["mount", "/sys/fs/cgroup", "tmpfs", "tmpfs", fl, 0, "mode=755"],
    ["mount", "/sys/fs/cgroup/memory", "cgroup", "cgroup", fl | MS.RDONLY, 0, "memory"],
    ["mount", "/sys/fs/cgroup/cpu,cpuacct", "cgroup", "cgroup", fl | MS.RDONLY, 0, "cpu,cpuacct"],
    ["mount", "/sys/fs/cgroup/systemd", "cgroup", "cgroup", fl | MS.RDONLY, 0, "none,name=systemd"],
  ]);
  const links = tags(p, "symlink").filter((l) => String(l[2]).startsWith("/sys/fs/cgroup"));
  assert.deepEqual(links, [
    ["symlink", "cpu,cpuacct", "/sys/fs/cgroup/cpu"],
    ["symlink", "cpu,cpuacct", "/sys/fs/cgroup/cpuacct"],
  ]);
  const ro = tags(p, "readonly");
  assert.deepEqual(ro[ro.length - 1], ["readonly", "/sys/fs/cgroup"]);
});

test("cgroup mount, v1 without a cgroup namespace: binds of the container's own cgroup dirs, unmanaged hierarchies skipped", () => {
  const p = buildPlan(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "cgroup"))), ctx);
  const m = tags(p, "mount").filter((l) => String(l[1]).startsWith("/sys/fs/cgroup/"));
  const fl = MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RELATIME | MS.RDONLY | MS.BIND | MS.REC;
  assert.deepEqual(m, [
    ["mount", "/sys/fs/cgroup/memory", "bind", "/sys/fs/cgroup/memory/berth/c1", fl, 0, ""],
    ["mount", "/sys/fs/cgroup/cpu,cpuacct", "bind", "/sys/fs/cgroup/cpu,cpuacct/berth/c1", fl, 0, ""],
  ]);
});

test("cgroup mount, v2: one cgroup2 mount (fresh in a cgroup ns, else a bind)", () => {
  const v2 = { id: "c1", bundle: "/b", cgroup: { version: 2 as const, procsFiles: ["/sys/fs/cgroup/berth/c1/cgroup.procs"], hierarchies: [] } };
  const fl = MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RELATIME | MS.RDONLY;
  assert.deepEqual(tags(buildPlan(spec(), v2), "mount").find((l) => l[1] === "/sys/fs/cgroup"), ["mount", "/sys/fs/cgroup", "cgroup2", "cgroup2", fl, 0, ""]);
  const noNs = buildPlan(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "cgroup"))), v2);
  assert.deepEqual(tags(noNs, "mount").find((l) => l[1] === "/sys/fs/cgroup"), ["mount", "/sys/fs/cgroup", "bind", "/sys/fs/cgroup/berth/c1", fl | MS.BIND | MS.REC, 0, ""]);
  assert.throws(() => buildPlan(spec(), { id: "c1", bundle: "/b" }), /mounts\[6\]: a cgroup mount needs the container's cgroup/);
});

test("devices: the six defaults always, spec devices added, same path overrides", () => {
  const p = buildPlan(
    spec((s) => (s.linux!.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 }, { path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o620 }, { path: "/dev/fifo", type: "p" }])),
    ctx,
  );
  assert.deepEqual(tags(p, "device"), [
    ["device", "/dev/null", "c", 1, 3, "0620", 0, 0],
    ["device", "/dev/zero", "c", 1, 5, "0666", 0, 0],
    ["device", "/dev/full", "c", 1, 7, "0666", 0, 0],
    ["device", "/dev/random", "c", 1, 8, "0666", 0, 0],
    ["device", "/dev/urandom", "c", 1, 9, "0666", 0, 0],
    ["device", "/dev/tty", "c", 5, 0, "0666", 0, 0],
    ["device", "/dev/fuse", "c", 10, 229, "0600", 0, 0],
    ["device", "/dev/fifo", "p", 0, 0, "0666", 0, 0],
  ]);
  assert.throws(() => buildPlan(spec((s) => (s.linux!.devices = [{ path: "/dev/x", type: "c" }])), ctx), /linux\.devices\[0\]: major and minor are required/);
  assert.throws(() => buildPlan(spec((s) => (s.linux!.devices = [{ path: "/dev/../etc/x", type: "c", major: 1, minor: 1 }])), ctx), /linux\.devices\[0\]\.path/);
});

test("/dev symlinks as runc, plus /dev/ptmx when devpts is mounted", () => {
  const links = tags(buildPlan(spec(), ctx), "symlink").filter((l) => String(l[2]).startsWith("/dev"));
  assert.deepEqual(links, [
    ["symlink", "/proc/self/fd", "/dev/fd"],
    ["symlink", "/proc/self/fd/0", "/dev/stdin"],
    ["symlink", "/proc/self/fd/1", "/dev/stdout"],
    ["symlink", "/proc/self/fd/2", "/dev/stderr"],
    ["symlink", "/proc/kcore", "/dev/core"],
    ["symlink", "pts/ptmx", "/dev/ptmx"],
  ]);
});

test("masked and readonly paths", () => {
  const p = buildPlan(spec((s) => ((s.linux!.maskedPaths = ["/proc/kcore", "/proc//keys"]), (s.linux!.readonlyPaths = ["/proc/sys"]))), ctx);
  assert.deepEqual(tags(p, "masked"), [["masked", "/proc/kcore"], ["masked", "/proc/keys"]]);
  assert.deepEqual(tags(p, "readonly")[0], ["readonly", "/proc/sys"]);
});

test("sysctls are checked against the container's namespaces", () => {
  const ok = buildPlan(spec((s) => (s.linux!.sysctl = { "net.ipv4.ip_forward": "1", "kernel.shmmax": "1000", "fs.mqueue.msg_max": "20", "net/core/somaxconn": "100" })), ctx);
  assert.deepEqual(tags(ok, "sysctl"), [
    ["sysctl", "net.ipv4.ip_forward", "1"],
    ["sysctl", "kernel.shmmax", "1000"],
    ["sysctl", "fs.mqueue.msg_max", "20"],
    ["sysctl", "net.core.somaxconn", "100"],
  ]);
  const without = (t: string) => (s: Spec) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== t));
  assert.throws(() => buildPlan(spec((s) => (without("network")(s), (s.linux!.sysctl = { "net.ipv4.ip_forward": "1" }))), ctx), /linux\.sysctl\["net\.ipv4\.ip_forward"\]: sysctl needs a network namespace/);
  assert.throws(() => buildPlan(spec((s) => (without("ipc")(s), (s.linux!.sysctl = { "kernel.msgmax": "1" }))), ctx), /needs a ipc namespace/);
  assert.throws(() => buildPlan(spec((s) => (without("ipc")(s), (s.linux!.sysctl = { "fs.mqueue.queues_max": "1" }))), ctx), /needs a ipc namespace/);
  assert.throws(() => buildPlan(spec((s) => (s.linux!.sysctl = { "vm.swappiness": "1" })), ctx), /"vm\.swappiness"\]: sysctl is not in a separate kernel namespace/);
  assert.deepEqual(tags(buildPlan(spec((s) => (s.linux!.sysctl = { "kernel.domainname": "x" })), ctx), "sysctl"), [["sysctl", "kernel.domainname", "x"]]);
  assert.throws(() => buildPlan(spec((s) => (without("uts")(s), delete s.hostname, (s.linux!.sysctl = { "kernel.domainname": "x" }))), ctx), /needs a uts namespace/);
});

test("rlimits: names to numbers, -1 and 2^64-1 as infinity, errors name the entry", () => {
  const p = buildPlan(
    spec((s) => (s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 4096 }, { type: "RLIMIT_CORE", soft: -1, hard: 18446744073709551615 }, { type: "RLIMIT_NPROC", soft: 0, hard: 0 }])),
    ctx,
  );
  assert.deepEqual(tags(p, "rlimit"), [["rlimit", 7, "1024", "4096"], ["rlimit", 4, "-1", "-1"], ["rlimit", 6, "0", "0"]]);
  assert.throws(() => buildPlan(spec((s) => (s.process!.rlimits = [{ type: "RLIMIT_BOGUS", soft: 1, hard: 1 }])), ctx), /unknown rlimit type "RLIMIT_BOGUS" in process\.rlimits\[0\]\.type/);
  assert.throws(() => buildPlan(spec((s) => (s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 10, hard: 5 }])), ctx), /process\.rlimits\[0\]: soft limit 10 is above hard limit 5/);
});

test("capabilities: five masks in hex; unknown names are errors", () => {
  const p = buildPlan(
    spec((s) => (s.process!.capabilities = { bounding: [...DOCKER_DEFAULT_CAPABILITIES], effective: ["CAP_KILL"], permitted: ["CAP_KILL"], inheritable: [], ambient: [] })),
    ctx,
  );
  assert.deepEqual(tags(p, "caps"), [
    ["caps", "bounding", "00000000a80425fb"],
    ["caps", "effective", "0000000000000020"],
    ["caps", "permitted", "0000000000000020"],
    ["caps", "inheritable", "0000000000000000"],
    ["caps", "ambient", "0000000000000000"],
  ]);
  assert.throws(() => buildPlan(spec((s) => (s.process!.capabilities = { bounding: ["CAP_NOPE"] })), ctx), /unknown capability "CAP_NOPE" in process\.capabilities\.bounding/);
});

test("user, groups, umask, no_new_privs, oom_score_adj", () => {
  const p = buildPlan(
    spec((s) => {
      s.process!.user = { uid: 1000, gid: 100, additionalGids: [10, 20], umask: 0o077 };
      s.process!.noNewPrivileges = true;
      s.process!.oomScoreAdj = 500;
    }),
    ctx,
  );
  assert.deepEqual(one(p, "user"), ["user", 1000, 100]);
  assert.deepEqual(one(p, "groups"), ["groups", 10, 20]);
  assert.deepEqual(one(p, "umask"), ["umask", "077"]);
  assert.deepEqual(one(p, "no_new_privs"), ["no_new_privs", 1]);
  assert.deepEqual(one(p, "oom_score_adj"), ["oom_score_adj", 500]);
  const d = buildPlan(spec((s) => (s.process!.noNewPrivileges = false)), ctx);
  assert.deepEqual(one(d, "umask"), ["umask", "022"]);
  assert.deepEqual(one(d, "groups"), ["groups"]);
  assert.deepEqual(one(d, "no_new_privs"), ["no_new_privs", 0]);
  assert.equal(tags(d, "oom_score_adj").length, 0);
  assert.throws(() => buildPlan(spec((s) => (s.process!.oomScoreAdj = 1001)), ctx), /process\.oomScoreAdj/);
});

test("terminal and console size", () => {
  const p = buildPlan(spec((s) => ((s.process!.terminal = true), (s.process!.consoleSize = { height: 40, width: 120 }))), ctx);
  assert.deepEqual(one(p, "terminal"), ["terminal", 1]);
  assert.deepEqual(one(p, "console_size"), ["console_size", 40, 120]);
  assert.deepEqual(one(buildPlan(spec(), ctx), "terminal"), ["terminal", 0]);
});

test("hooks: prestart runs as createRuntime before createRuntime; poststart/poststop stay out of the plan", () => {
  const p = buildPlan(
    spec(
      (s) =>
        (s.hooks = {
          prestart: [{ path: "/bin/pre" }],
          createRuntime: [{ path: "/bin/cr", args: ["cr", "-x"], env: ["A=1"], timeout: 5 }],
          createContainer: [{ path: "/bin/cc" }],
          startContainer: [{ path: "/bin/sc", args: ["sc"] }],
          poststart: [{ path: "/bin/ps" }],
          poststop: [{ path: "/bin/pst" }],
        }),
    ),
    ctx,
  );
  assert.deepEqual(tags(p, "hook"), [
    ["hook", "createRuntime", 0, "/bin/pre", 1, "/bin/pre"],
    ["hook", "createRuntime", 5, "/bin/cr", 2, "cr", "-x", "A=1"],
    ["hook", "createContainer", 0, "/bin/cc", 1, "/bin/cc"],
    ["hook", "startContainer", 0, "/bin/sc", 1, "sc"],
  ]);
  assert.throws(() => buildPlan(spec((s) => (s.hooks = { createRuntime: [{ path: "rel" }] })), ctx), /hooks\.createRuntime\[0\]\.path: must be absolute/);
});

test("state_json carries id, bundle, annotations and the \"pid\":0 placeholder", () => {
  const p = buildPlan(spec((s) => (s.annotations = { a: "b" })), ctx);
  const json = String(one(p, "state_json")[1]);
  assert.ok(json.includes('"pid":0'));
  assert.deepEqual(JSON.parse(json), { ociVersion: "1.0.2", id: "c1", status: "creating", pid: 0, bundle: "/b", annotations: { a: "b" } });
});

test("seccomp path, args, env, cwd; the process part comes last", () => {
  const p = buildPlan(spec((s) => ((s.process!.args = ["sh", "-c", "echo a\tb"]), (s.process!.env = ["A=1", "B=x\ny"]), (s.process!.cwd = "/work"))), { ...ctx, seccompPath: "/cache/abc.bpf" });
  assert.deepEqual(one(p, "seccomp"), ["seccomp", "/cache/abc.bpf"]);
  assert.deepEqual(tags(p, "arg"), [["arg", "sh"], ["arg", "-c"], ["arg", "echo a\tb"]]);
  assert.deepEqual(tags(p, "env"), [["env", "A=1"], ["env", "B=x\ny"]]);
  assert.deepEqual(one(p, "cwd"), ["cwd", "/work"]);
  const text = planText(p);
  assert.ok(text.startsWith("version\t1\nid\tc1\n"));
  assert.ok(text.includes("arg\techo a\\tb\n"));
  assert.ok(text.includes("env\tB=x\\ny\n"));
});

test("no capabilities object: no caps lines (the kernel's uid rules apply, as runc)", () => {
  const p = buildPlan(spec((s) => delete s.process!.capabilities), ctx);
  assert.equal(tags(p, "caps").length, 0);
});

test("seccomp filter flags ride on the seccomp line when set", () => {
  assert.deepEqual(one(buildPlan(spec(), { ...ctx, seccompPath: "/c/x.bpf", seccompFlags: 2 }), "seccomp"), ["seccomp", "/c/x.bpf", 2]);
  assert.deepEqual(one(buildPlan(spec(), { ...ctx, seccompPath: "/c/x.bpf", seccompFlags: 0 }), "seccomp"), ["seccomp", "/c/x.bpf"]);
});

test("stdin pipe lines only when asked (pipes mode, Docker -i)", () => {
  assert.equal(tags(buildPlan(spec(), ctx), "stdin").length, 0);
  const p = buildPlan(spec(), { ...ctx, stdin: { open: true, once: true } });
  assert.deepEqual(one(p, "stdin"), ["stdin", 1]);
  assert.deepEqual(one(p, "stdin_once"), ["stdin_once", 1]);
});
