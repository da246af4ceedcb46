// Custom OCI profiles through flatten → berth-seccomp → kernel: argument conditions, custom
// errnos, kill actions, and refusal of invalid profiles with a clear message and no leftovers.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Seccomp } from "../../src/oci/runtime.js";
import { isEngineError } from "../../src/errors/EngineError.js";
import { compileSeccomp } from "../../src/runtime/seccomp/compile.js";
import { defaultSeccompProfile } from "../../src/runtime/seccomp/defaultProfile.js";
import { seccompFilterFlags } from "../../src/runtime/seccomp/flatten.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const compiler = join(repo, "native/build/berth-seccomp");
const seccompExec = join(repo, "native/build/tests/seccomp_exec");
const busybox = "/bin/busybox";

// Loading a filter needs only no_new_privs, so most of this runs unprivileged.
const skip =
  !existsSync(compiler) || !existsSync(seccompExec)
    ? "native programs not built (run make -C native)"
    : !existsSync(busybox)
      ? "needs /bin/busybox (Debian busybox-static)"
      : false;

let dir: string;
const compile = (p: Seccomp) => compileSeccomp(p, { cacheDir: join(dir, "cache"), compiler });

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function trySyscalls(bpf: string, names: string[]): Record<string, string | number> {
  const r = run(seccompExec, ["--try-syscall", names.join(","), bpf]);
  assert.equal(r.code, 0, r.stderr);
  return Object.fromEntries(
    r.stdout.trim().split("\n").map((l) => {
      const [name, result, errno] = l.split("\t");
      return [name!, result === "ok" ? "ok" : Number(errno)];
    }),
  );
}

const AF_UNIX = 1;
const AF_INET = 2;
const EACCES = 13;
const ENOSPC = 28;
const EOPNOTSUPP = 95;
const CLONE_NEWNS = 0x20000;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "berth-test-seccomp-custom-"));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("argument conditions: eq, masked_eq, and two conditions on one argument mean either (runc)", { skip }, async () => {
  const bpf = await compile({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [
      { names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: EACCES, args: [{ index: 0, value: AF_INET, op: "SCMP_CMP_EQ" }] },
      { names: ["clone"], action: "SCMP_ACT_ERRNO", errnoRet: EOPNOTSUPP, args: [{ index: 0, value: CLONE_NEWNS, valueTwo: CLONE_NEWNS, op: "SCMP_CMP_MASKED_EQ" }] },
    ],
  });
  assert.deepEqual(trySyscalls(bpf, ["socket_inet", "socket_unix", "clone", "clone_newns", "getpid"]), {
    socket_inet: EACCES,
    socket_unix: "ok",
    clone: "ok",
    clone_newns: EOPNOTSUPP,
    getpid: "ok",
  });

  const either = await compile({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [
      {
        names: ["socket"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: EACCES,
        args: [{ index: 0, value: AF_INET, op: "SCMP_CMP_EQ" }, { index: 0, value: AF_UNIX, op: "SCMP_CMP_EQ" }],
      },
    ],
  });
  const got = trySyscalls(either, ["socket_inet", "socket_unix", "socket_vsock"]);
  assert.equal(got.socket_inet, EACCES);
  assert.equal(got.socket_unix, EACCES);
  assert.notEqual(got.socket_vsock, EACCES);
});

test("SCMP_ACT_ERRNO with a custom errno reaches the program", { skip }, async () => {
  const bpf = await compile({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSPC }],
  });
  const target = join(dir, "berth-test-mkdir");
  const r = run(seccompExec, [bpf, busybox, "mkdir", target]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /No space left on device/);
  assert.ok(!existsSync(target));
  assert.equal(run(seccompExec, [bpf, busybox, "echo", "still fine"]).stdout, "still fine\n");
});

test("a custom default errno replaces EPERM", { skip }, async () => {
  const bpf = await compile({ ...defaultSeccompProfile({ arch: "x86_64" }), defaultErrnoRet: EOPNOTSUPP });
  const got = trySyscalls(bpf, ["unshare", "keyctl", "getpid"]);
  assert.deepEqual(got, { unshare: EOPNOTSUPP, keyctl: EOPNOTSUPP, getpid: "ok" });
});

test("SCMP_ACT_KILL_PROCESS kills with SIGSYS", { skip }, async () => {
  const bpf = await compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["getppid"], action: "SCMP_ACT_KILL_PROCESS" }] });
  const r = run(seccompExec, ["--try-syscall", "getpid,getppid", bpf]);
  assert.equal(r.signal, "SIGSYS");
  assert.equal(r.stdout, "getpid\tok\n");
});

test("syscalls unknown to libseccomp are skipped, rules equal to the default are dropped", { skip }, async () => {
  const bpf = await compile({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [
      { names: ["berth_no_such_syscall", "unshare"], action: "SCMP_ACT_ERRNO" },
      { names: ["getpid"], action: "SCMP_ACT_ALLOW" },
    ],
  });
  assert.deepEqual(trySyscalls(bpf, ["unshare", "getpid"]), { unshare: 1, getpid: "ok" });
});

test("an invalid profile is refused in TypeScript with the field named", { skip }, async () => {
  const bad = {
    defaultAction: "SCMP_ACT_ERRNO",
    syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 1, op: "SCMP_CMP_ALMOST" }] }],
  } as unknown as Seccomp;
  await assert.rejects(compile(bad), (e: unknown) => isEngineError(e, "InvalidArgument") && /syscalls\[0\]\.args\[0\]\.op: unknown operator "SCMP_CMP_ALMOST"/.test(e.message));
});

test("berth-seccomp refuses a bad flat profile with one line and leaves no file", { skip }, async () => {
  const cases: Array<[string, RegExp]> = [
    ["default\terrno\t1\nrule\tallow\t0\tread\t0,almost,1,0\n", /^berth-seccomp: profile: line 2: unknown operator "almost"\n$/],
    ["default\terrno\t1\narch\tvax\n", /^berth-seccomp: profile: line 2: unknown architecture "vax"\n$/],
    ["default\terrno\t1\nrule\tallow\t0\tread\t9,eq,1,0\n", /^berth-seccomp: profile: line 2: bad argument condition/],
    ["default\terrno\t1\nrule\terrno\t-1\tread\n", /^berth-seccomp: profile: line 2: action errno needs a number/],
    ["rule\tallow\t0\tread\n", /^berth-seccomp: profile: no default line\n$/],
    ["default\tallow\nfrobnicate\n", /^berth-seccomp: profile: line 2: unknown tag "frobnicate"\n$/],
    ["default\tallow\nrule\tallow\t0\tre\\qad\n", /^berth-seccomp: read profile: line 2: bad escape/],
  ];
  const outDir = await mkdtemp(join(dir, "flat-"));
  for (const [i, [text, want]] of cases.entries()) {
    const input = join(outDir, `in-${i}`);
    await writeFile(input, text);
    const r = run(compiler, [input, join(outDir, `out-${i}.bpf`)]);
    assert.equal(r.code, 1, `case ${i}`);
    assert.match(r.stderr, want, `case ${i}`);
  }
  const left = (await readdir(outDir)).filter((n) => !n.startsWith("in-"));
  assert.deepEqual(left, [], "no program and no temp file left behind");
  const missing = run(compiler, [join(outDir, "no-such-input"), join(outDir, "x.bpf")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^berth-seccomp: read profile: open .*no-such-input: No such file or directory\n$/);
});

test("concurrent compiles with the real compiler agree and leave only the program", { skip }, async () => {
  const cacheDir = await mkdtemp(join(dir, "concurrent-"));
  const p = defaultSeccompProfile({ arch: "x86_64", capabilities: ["CAP_SYS_PTRACE"] });
  const paths = await Promise.all(Array.from({ length: 4 }, () => compileSeccomp(p, { cacheDir, compiler })));
  assert.equal(new Set(paths).size, 1);
  assert.deepEqual(await readdir(cacheDir), [paths[0]!.slice(cacheDir.length + 1)]);
  assert.equal(run(seccompExec, [paths[0]!, busybox, "true"]).code, 0);
});

test("filter flags from the profile are accepted by the kernel when loading", { skip }, async () => {
  const p: Seccomp = { ...defaultSeccompProfile({ arch: "x86_64" }), flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"] };
  const bpf = await compile(p);
  const r = run(seccompExec, ["--flags", String(seccompFilterFlags(p)), bpf, busybox, "sh", "-c", "echo loaded"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "loaded\n");
});

test("a profile too large for the kernel is refused at compile time, leaving nothing", { skip }, async () => {
  const cacheDir = await mkdtemp(join(dir, "too-large-"));
  const huge: Seccomp = {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: Array.from({ length: 6000 }, (_, i) => ({
      names: ["ioctl"],
      action: "SCMP_ACT_ERRNO" as const,
      args: [{ index: 1, value: i + 1, op: "SCMP_CMP_EQ" as const }],
    })),
  };
  await assert.rejects(compileSeccomp(huge, { cacheDir, compiler }), (e: unknown) =>
    isEngineError(e, "InvalidArgument") && /program has \d+ instructions, the kernel allows 4096/.test(e.message),
  );
  assert.deepEqual(await readdir(cacheDir), []);
});
