import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { Seccomp, SeccompSyscall } from "../../oci/runtime.js";
import { isEngineError } from "../../errors/EngineError.js";
import { defaultSeccompProfile } from "./defaultProfile.js";
import { flattenSeccomp } from "./flatten.js";

const host = { arch: "x86_64", kernelRelease: "6.1.0" };

/** Names allowed without any argument condition. */
const unconditional = (p: Seccomp) =>
  new Set(p.syscalls!.filter((s) => s.action === "SCMP_ACT_ALLOW" && !s.args?.length).flatMap((s) => s.names));
const rulesFor = (p: Seccomp, name: string): SeccompSyscall[] => p.syscalls!.filter((s) => s.names.includes(name));

const NEVER = [
  "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "swapon", "swapoff", "userfaultfd", "uselib",
  "pivot_root", "nfsservctl", "io_uring_setup", "io_uring_enter", "io_uring_register",
];
const SYS_ADMIN_ONLY = ["unshare", "mount", "umount2", "setns", "bpf", "clone3", "fsopen", "open_tree", "sethostname", "perf_event_open", "lsm_set_self_attr"];

test("denies by default with EPERM and covers x86_64's sub-architectures", () => {
  const p = defaultSeccompProfile(host);
  assert.equal(p.defaultAction, "SCMP_ACT_ERRNO");
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
});

test("with Docker's default capabilities, namespace, mount, key and module syscalls stay denied", () => {
  const allowed = unconditional(defaultSeccompProfile(host));
  for (const n of [...NEVER, ...SYS_ADMIN_ONLY, "reboot", "init_module", "finit_module", "open_by_handle_at", "acct", "settimeofday", "clone", "socket", "personality"]) {
    assert.ok(!allowed.has(n), `${n} must not be allowed unconditionally`);
  }
  for (const n of ["read", "write", "execve", "openat", "mmap", "futex", "wait4", "chroot", "ptrace", "arch_prctl", "modify_ldt", "getdents64", "statx", "faccessat2", "fchmodat2", "cachestat", "futex_wait", "mseal"]) {
    assert.ok(allowed.has(n), `${n} must be allowed`);
  }
});

test("clone may not create namespaces, clone3 answers ENOSYS, socket refuses AF_VSOCK", () => {
  const p = defaultSeccompProfile(host);
  assert.deepEqual(rulesFor(p, "clone"), [
    { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }] },
  ]);
  assert.deepEqual(rulesFor(p, "clone3"), [{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }]);
  assert.deepEqual(rulesFor(p, "socket"), [{ names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 40, op: "SCMP_CMP_NE" }] }]);
  assert.deepEqual(
    rulesFor(p, "personality").map((r) => r.args![0]!.value),
    [0, 8, 0x20000, 0x20008, 0xffffffff],
  );
});

test("CAP_SYS_ADMIN unlocks namespaces and mounts and lifts the clone restrictions", () => {
  const p = defaultSeccompProfile({ ...host, capabilities: ["CAP_SYS_ADMIN"] });
  const allowed = unconditional(p);
  for (const n of SYS_ADMIN_ONLY) assert.ok(allowed.has(n), `${n} with CAP_SYS_ADMIN`);
  assert.ok(allowed.has("clone"));
  assert.ok(rulesFor(p, "clone").every((r) => !r.args?.length));
  assert.ok(rulesFor(p, "clone3").every((r) => r.action === "SCMP_ACT_ALLOW"));
  for (const n of NEVER) assert.ok(!allowed.has(n), `${n} even with CAP_SYS_ADMIN`);
  assert.ok(!allowed.has("chroot"), "chroot needs CAP_SYS_CHROOT");
});

test("each capability adds its own syscalls", () => {
  const cases: Array<[string, string[]]> = [
    ["CAP_SYS_PTRACE", ["kcmp", "pidfd_getfd", "process_madvise"]],
    ["CAP_SYS_MODULE", ["init_module", "finit_module", "delete_module"]],
    ["CAP_SYS_BOOT", ["reboot"]],
    ["CAP_SYS_TIME", ["settimeofday", "clock_settime"]],
    ["CAP_SYS_NICE", ["mbind", "set_mempolicy"]],
    ["CAP_SYS_PACCT", ["acct"]],
    ["CAP_SYS_RAWIO", ["iopl", "ioperm"]],
    ["CAP_SYS_TTY_CONFIG", ["vhangup"]],
    ["CAP_SYSLOG", ["syslog"]],
    ["CAP_BPF", ["bpf"]],
    ["CAP_PERFMON", ["perf_event_open"]],
    ["CAP_DAC_READ_SEARCH", ["open_by_handle_at"]],
    ["CAP_SYS_CHROOT", ["chroot"]],
  ];
  const none = unconditional(defaultSeccompProfile({ ...host, capabilities: [] }));
  for (const [cap, calls] of cases) {
    const allowed = unconditional(defaultSeccompProfile({ ...host, capabilities: [cap] }));
    for (const n of calls) {
      assert.ok(allowed.has(n), `${n} with ${cap}`);
      assert.ok(!none.has(n), `${n} without ${cap}`);
    }
  }
});

test("aarch64 gets its own architectures and syscalls", () => {
  const p = defaultSeccompProfile({ arch: "aarch64", kernelRelease: "6.1" });
  assert.deepEqual(p.architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  const allowed = unconditional(p);
  assert.ok(allowed.has("set_tls") && allowed.has("cacheflush"));
  assert.ok(!allowed.has("arch_prctl") && !allowed.has("modify_ldt"));
  assert.deepEqual(defaultSeccompProfile({ arch: "arm64", kernelRelease: "6.1" }), p);
});

test("ptrace follows Docker: allowed from kernel 4.8 on", () => {
  assert.ok(!unconditional(defaultSeccompProfile({ arch: "x86_64", kernelRelease: "4.4.0" })).has("ptrace"));
  assert.ok(unconditional(defaultSeccompProfile({ arch: "x86_64", kernelRelease: "4.8.0" })).has("ptrace"));
});

test("an unknown architecture is refused", () => {
  assert.throws(() => defaultSeccompProfile({ arch: "pdp11" }), (e: unknown) => isEngineError(e, "InvalidArgument"));
});

test("the default profile flattens and is stable", () => {
  const a = flattenSeccomp(defaultSeccompProfile(host));
  assert.equal(a, flattenSeccomp(defaultSeccompProfile(host)));
  assert.match(a, /^default\terrno\t1\narch\tx86_64\narch\tx86\narch\tx32\nrule\tallow\t0\taccept\n/);
  assert.match(a, /\nrule\tallow\t0\tclone\t0,masked_eq,2114060288,0\n/);
  // No syscall name twice with the same action and conditions (a transcription slip).
  const lines = a.split("\n").filter((l) => l.startsWith("rule"));
  assert.equal(new Set(lines).size, lines.length);
});

test("the resolved default profile is cached by arch, kernel release and capability set (in any order), and frozen", () => {
  const a = defaultSeccompProfile({ capabilities: ["CAP_SYS_ADMIN", "CAP_CHOWN"], arch: "x64", kernelRelease: "6.1.0" });
  const b = defaultSeccompProfile({ capabilities: ["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHOWN"], arch: "x64", kernelRelease: "6.1.0" });
  assert.equal(a, b);
  assert.notEqual(defaultSeccompProfile({ capabilities: ["CAP_CHOWN"], arch: "x64", kernelRelease: "6.1.0" }), a);
  assert.notEqual(defaultSeccompProfile({ capabilities: ["CAP_SYS_ADMIN", "CAP_CHOWN"], arch: "arm64", kernelRelease: "6.1.0" }), a);
  const old = defaultSeccompProfile({ capabilities: ["CAP_SYS_ADMIN", "CAP_CHOWN"], arch: "x64", kernelRelease: "4.4.0" });
  assert.notEqual(old, a);
  assert.ok(!old.syscalls!.some((s) => s.names.includes("ptrace")), "the minKernel rule still applies per release");
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.syscalls) && Object.isFrozen(a.syscalls![0]!.names));
  assert.throws(() => (a.syscalls as unknown[]).push({}));
});
