import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { Seccomp } from "../../oci/runtime.js";
import { isEngineError } from "../../errors/EngineError.js";
import { flattenSeccomp, seccompFilterFlags } from "./flatten.js";
import { flatLine } from "./flatLine.js";

const rejects = (p: unknown, kind: "InvalidArgument" | "NotImplemented", field: RegExp) =>
  assert.throws(
    () => flattenSeccomp(p as Seccomp),
    (e: unknown) => isEngineError(e, kind) && field.test(e.message),
  );

test("flattens actions, arches, names and argument conditions", () => {
  const flat = flattenSeccomp({
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"],
    syscalls: [
      { names: ["read", "write"], action: "SCMP_ACT_ALLOW" },
      { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }] },
      { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
      { names: ["ptrace"], action: "SCMP_ACT_TRACE", errnoRet: 7 },
      { names: ["a", "b"], action: "SCMP_ACT_KILL_THREAD" },
      { names: ["c"], action: "SCMP_ACT_KILL" },
      { names: ["d"], action: "SCMP_ACT_KILL_PROCESS" },
      { names: ["e"], action: "SCMP_ACT_TRAP" },
      { names: ["f"], action: "SCMP_ACT_LOG" },
      { names: ["g"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 5, op: "SCMP_CMP_GE" }, { index: 2, value: 0, op: "SCMP_CMP_NE" }] },
    ],
  });
  assert.equal(
    flat,
    [
      "default\terrno\t1", // no defaultErrnoRet: EPERM, as runc
      "arch\tx86_64",
      "arch\tx86",
      "arch\tx32",
      "arch\taarch64",
      "rule\tallow\t0\tread",
      "rule\tallow\t0\twrite",
      "rule\tallow\t0\tclone\t0,masked_eq,2114060288,0",
      "rule\terrno\t38\tclone3",
      "rule\ttrace\t7\tptrace",
      "rule\tkill\t0\ta",
      "rule\tkill\t0\tb",
      "rule\tkill\t0\tc",
      "rule\tkill_process\t0\td",
      "rule\ttrap\t0\te",
      "rule\tlog\t0\tf",
      "rule\terrno\t1\tg\t1,ge,5,0\t2,ne,0,0",
      "",
    ].join("\n"),
  );
});

test("default action with and without a number", () => {
  assert.equal(flattenSeccomp({ defaultAction: "SCMP_ACT_ALLOW" }), "default\tallow\n");
  assert.equal(flattenSeccomp({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38 }), "default\terrno\t38\n");
  assert.equal(flattenSeccomp({ defaultAction: "SCMP_ACT_KILL_PROCESS", defaultErrnoRet: 38 }), "default\tkill_process\n");
});

test("rejects unknown actions, operators, architectures with the field named", () => {
  rejects({ defaultAction: "SCMP_ACT_NOPE" }, "InvalidArgument", /defaultAction: unknown action "SCMP_ACT_NOPE"/);
  rejects({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "ALLOW" }] }, "InvalidArgument", /syscalls\[0\]\.action: unknown action/);
  rejects(
    { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "SCMP_CMP_XX" }] }] },
    "InvalidArgument",
    /syscalls\[0\]\.args\[0\]\.op: unknown operator "SCMP_CMP_XX"/,
  );
  rejects({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"] }, "InvalidArgument", /architectures\[1\]: unknown architecture "SCMP_ARCH_VAX"/);
});

test("rejects bad argument conditions, names and numbers", () => {
  const rule = (r: object) => ({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "SCMP_ACT_ERRNO", ...r }] });
  rejects(rule({ args: [{ index: 6, value: 1, op: "SCMP_CMP_EQ" }] }), "InvalidArgument", /args\[0\]\.index: must be 0 to 5/);
  rejects(rule({ args: [{ index: 0, value: -1, op: "SCMP_CMP_EQ" }] }), "InvalidArgument", /args\[0\]\.value: must be a non-negative integer/);
  rejects(rule({ args: [{ index: 0, value: 2 ** 64, op: "SCMP_CMP_EQ" }] }), "InvalidArgument", /args\[0\]\.value/);
  rejects(rule({ args: [{ index: 0, value: 1, valueTwo: 1.5, op: "SCMP_CMP_MASKED_EQ" }] }), "InvalidArgument", /args\[0\]\.valueTwo/);
  rejects(rule({ errnoRet: 70000 }), "InvalidArgument", /syscalls\[0\]\.errnoRet: must be an integer from 0 to 65535/);
  rejects({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: -1 }, "InvalidArgument", /defaultErrnoRet/);
  rejects({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: [], action: "SCMP_ACT_ERRNO" }] }, "InvalidArgument", /syscalls\[0\]\.names: must list/);
  rejects({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["ok", "bad\tname"], action: "SCMP_ACT_ERRNO" }] }, "InvalidArgument", /syscalls\[0\]\.names\[1\]: bad syscall name/);
  rejects({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [null] }, "InvalidArgument", /syscalls\[0\]: not an object/);
  rejects(rule({ args: { index: 0 } }), "InvalidArgument", /syscalls\[0\]\.args: not a list/);
  rejects(rule({ args: [7] }), "InvalidArgument", /syscalls\[0\]\.args\[0\]: not an object/);
});

test("user-space notification is reported as not implemented, not ignored", () => {
  rejects({ defaultAction: "SCMP_ACT_NOTIFY" }, "NotImplemented", /defaultAction: SCMP_ACT_NOTIFY/);
  rejects({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "SCMP_ACT_NOTIFY" }] }, "NotImplemented", /syscalls\[0\]\.action/);
  rejects({ defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/x.sock" }, "NotImplemented", /listenerPath/);
});

test("filter flags become the seccomp(2) flags mask and are validated", () => {
  const p = (flags: string[]): Seccomp => ({ defaultAction: "SCMP_ACT_ALLOW", flags });
  assert.equal(seccompFilterFlags(p([])), 0);
  assert.equal(seccompFilterFlags(p(["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"])), 6);
  assert.equal(seccompFilterFlags(p(["SECCOMP_FILTER_FLAG_TSYNC"])), 1);
  // Flags do not change the program, so the flat text (and the cache key) ignores them.
  assert.equal(flattenSeccomp(p(["SECCOMP_FILTER_FLAG_LOG"])), "default\tallow\n");
  rejects(p(["SECCOMP_FILTER_FLAG_BOGUS"]), "InvalidArgument", /flags\[0\]: unknown flag/);
  rejects(p(["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]), "NotImplemented", /flags\[0\]/);
});

test("flatLine escapes backslash, newline and tab and refuses NUL", () => {
  assert.equal(flatLine("t", "a\\b", "c\nd", "e\tf", 7), "t\ta\\\\b\tc\\nd\te\\tf\t7\n");
  assert.throws(() => flatLine("t", "a\0b"), (e: unknown) => isEngineError(e, "InvalidArgument"));
});
