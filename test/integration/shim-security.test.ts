// berth-shim: the process and isolation parts of the plan, checked from inside the container:
// capabilities, user namespace maps, user/groups/umask/cwd, no_new_privs, seccomp, read-only
// and masked paths, sysctls, rlimits, cgroup.procs and oom_score_adj.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  MS, assertNothingLeft, basePlan, createAndStart, createShim, ctl, logLines, makeSandbox, readLog, skipReason, waitExit, waitGone,
  writePlan, type Sandbox,
} from "./shim-helpers.js";

const skip = skipReason();

/** Runs a script to completion and returns its stdout lines (asserting exit 0). */
async function runScript(sb: Sandbox, script: string, extra: (string | number)[][], replace?: (p: (string | number)[][]) => (string | number)[][]): Promise<string[]> {
  let records = basePlan(sb, script, extra);
  if (replace) records = replace(records);
  const plan = await writePlan(sb, records);
  const r = await createAndStart(sb, plan);
  const e = await waitExit(sb.state);
  await waitGone(r.shimPid!);
  const log = await readLog(sb.log);
  assert.deepEqual([e.kind, e.value], ["exited", 0], `container failed: ${JSON.stringify(logLines(log, "stderr"))}`);
  return logLines(log);
}

const DOCKER_CAPS = 0xa80425fbn;

test("capability sets are exactly the plan's masks", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const hex = DOCKER_CAPS.toString(16);
    const out = await runScript(sb, "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status", [
      ["caps", "bounding", hex], ["caps", "effective", hex], ["caps", "permitted", hex], ["caps", "inheritable", "0"],
    ]);
    const want = DOCKER_CAPS.toString(16).padStart(16, "0");
    assert.deepEqual(out, [`CapInh:\t${"0".repeat(16)}`, `CapPrm:\t${want}`, `CapEff:\t${want}`, `CapBnd:\t${want}`, `CapAmb:\t${"0".repeat(16)}`]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("a non-root user keeps ambient capabilities; groups, umask and a created cwd apply", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const out = await runScript(sb, "id -u; id -G; umask; pwd; grep -E '^Cap(Eff|Amb)' /proc/self/status", [
      ["caps", "bounding", "400"], ["caps", "effective", "400"], ["caps", "permitted", "400"], ["caps", "inheritable", "400"], ["caps", "ambient", "400"],
      ["user", 1000, 1000], ["groups", 10, 20], ["umask", "027"], ["cwd", "/work/dir"],
    ]);
    assert.deepEqual(out, ["1000", "1000 10 20", "0027", "/work/dir", "CapEff:\t0000000000000400", "CapAmb:\t0000000000000400"]);
    assert.ok(existsSync(join(sb.rootfs, "work/dir")));
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("a new user namespace gets the planned id maps and host device nodes are bound", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "cat /proc/self/uid_map /proc/self/gid_map; id -u; echo x > /dev/null && echo null-ok; cat /proc/self/setgroups", [
      ["ns", "user", ""], ["uid_map", 0, 100000, 65536], ["gid_map", 0, 100000, 65536], ["setgroups", "deny"],
    ]));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    // Seen from the host, container root is uid 100000 (maps were written before start).
    const status = await readFile(`/proc/${r.pid}/status`, "utf8");
    assert.match(status, /^Uid:\t100000\t100000\t100000\t100000$/m);
    assert.equal(await ctl(sb, "start"), "ok");
    assert.equal((await waitExit(sb.state)).value, 0);
    await waitGone(r.shimPid!);
    const out = logLines(await readLog(sb.log)).map((l) => l.trim().split(/\s+/).join(" "));
    assert.deepEqual(out, ["0 100000 65536", "0 100000 65536", "0", "null-ok", "deny"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

/** A tiny classic-BPF seccomp program: mkdir and mkdirat fail with EPERM, the rest is allowed. */
function denyMkdirProgram(): Buffer {
  const ins: [number, number, number, number][] = [
    [0x20, 0, 0, 0], // ld [nr]
    [0x15, 2, 0, 83], // jeq mkdir -> errno
    [0x15, 1, 0, 258], // jeq mkdirat -> errno
    [0x06, 0, 0, 0x7fff0000], // ret ALLOW
    [0x06, 0, 0, 0x00050001], // ret ERRNO(EPERM)
  ];
  const b = Buffer.alloc(ins.length * 8);
  ins.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b.writeUInt8(jt, i * 8 + 2);
    b.writeUInt8(jf, i * 8 + 3);
    b.writeUInt32LE(k, i * 8 + 4);
  });
  return b;
}

for (const nnp of [1, 0]) {
  test(`seccomp program is loaded (no_new_privs ${nnp})`, { skip }, async () => {
    const sb = await makeSandbox();
    try {
      const bpf = join(sb.dir, "filter.bpf");
      await writeFile(bpf, denyMkdirProgram());
      const out = await runScript(sb, "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; mkdir /tmp/d 2>&1 || echo refused", [
        ["no_new_privs", nnp], ["seccomp", bpf], ["user", 1000, 1000],
      ]);
      assert.deepEqual(out.slice(0, 2), [`NoNewPrivs:\t${nnp}`, "Seccomp:\t2"]);
      assert.equal(out.at(-1), "refused");
      assert.match(out.slice(2, -1).join(" "), /Operation not permitted/);
      await assertNothingLeft(sb);
    } finally {
      await sb.cleanup();
    }
  });
}

test("read-only root, read-only and masked paths, sysctls, rlimits, hostname and domainname", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    await mkdir(join(sb.rootfs, "secret"));
    await writeFile(join(sb.rootfs, "secret/key"), "k");
    const out = await runScript(sb, [
      "touch /x 2>/dev/null || echo root-ro",
      "touch /tmp/x && echo tmp-rw",
      "ls /secret | wc -l",
      "stat -c %t,%T /etc/passwd",
      "grep -E ' /proc/sys ' /proc/self/mountinfo | cut -d' ' -f6 | cut -d, -f1",
      "cat /proc/sys/net/ipv4/ip_forward",
      "grep 'Max open files' /proc/self/limits | tr -s ' ' | cut -d' ' -f4,5",
      "hostname; cat /proc/sys/kernel/domainname",
    ].join("; "), [
      ["readonly_root", 1],
      ["mount", "/tmp", "tmpfs", "tmpfs", 0, 0, ""],
      ["sysctl", "net.ipv4.ip_forward", "1"],
      ["readonly", "/proc/sys"],
      ["masked", "/etc/passwd"],
      ["masked", "/secret"],
      ["masked", "/does/not/exist"],
      ["rlimit", 7, 1024, 2048],
      ["domainname", "berth.example"],
    ]);
    assert.deepEqual(out, ["root-ro", "tmp-rw", "0", "1,3", "ro", "1", "1024 2048", "berth-test-host", "berth.example"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("the shim puts the child in every cgroup_procs file and sets oom_score_adj before start", { skip }, async () => {
  const cg = `/sys/fs/cgroup/pids/berth-test-${randomBytes(4).toString("hex")}`;
  if (!existsSync("/sys/fs/cgroup/pids")) return;
  await mkdir(cg);
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "cat /proc/self/oom_score_adj; grep pids /proc/self/cgroup", [
      ["cgroup_procs", join(cg, "cgroup.procs")], ["oom_score_adj", 300], ["ns", "cgroup", ""],
    ]));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    assert.deepEqual((await readFile(join(cg, "cgroup.procs"), "utf8")).trim().split("\n"), [String(r.pid)]);
    assert.equal((await readFile(`/proc/${r.pid}/oom_score_adj`, "utf8")).trim(), "300");
    assert.equal(await ctl(sb, "start"), "ok");
    assert.equal((await waitExit(sb.state)).value, 0);
    await waitGone(r.shimPid!);
    // A new cgroup namespace rooted at the container's cgroup.
    const out = logLines(await readLog(sb.log));
    assert.equal(out[0], "300");
    assert.match(out[1], /^\d+:pids:\/$/);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
    await rmdir(cg).catch(() => {});
  }
});

test("MS_BIND of a file creates an empty file as the destination", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const f = join(sb.dir, "hosts");
    await writeFile(f, "127.0.0.1 berth\n");
    const out = await runScript(sb, "cat /etc/hosts; touch /etc/hosts 2>/dev/null || echo ro", [
      ["mount", "/etc/hosts", "bind", f, MS.BIND | MS.RDONLY, 0, ""],
    ]);
    assert.deepEqual(out, ["127.0.0.1 berth", "ro"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("rshared rootfs propagation: pivot_root still works and a shared bind stays shared", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const shared = join(sb.dir, "shared");
    await mkdir(shared);
    const out = await runScript(sb, "grep -E ' /mnt ' /proc/self/mountinfo | grep -c shared:", [
      ["rootfs_propagation", MS.REC | (1 << 20)],
      ["mount", "/mnt", "bind", shared, MS.BIND | MS.REC, 1 << 20, ""],
    ]);
    assert.deepEqual(out, ["1"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("sysfs mounts in a user namespace without its own network namespace (fresh, or a bind of /sys where the kernel refuses)", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const out = await runScript(sb, "ls /sys/kernel >/dev/null && echo sys-ok; touch /sys/x 2>/dev/null || echo ro", [
      ["ns", "user", ""], ["uid_map", 0, 100000, 65536], ["gid_map", 0, 100000, 65536],
      ["mount", "/sys", "sysfs", "sysfs", MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY, 0, ""],
    ], (records) => records.filter((l) => !(l[0] === "ns" && l[1] === "net")));
    assert.deepEqual(out, ["sys-ok", "ro"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});
