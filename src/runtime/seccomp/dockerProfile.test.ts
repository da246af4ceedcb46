import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../../errors/EngineError.js";
import type { DockerSeccompProfile } from "./dockerProfile.js";
import { loadDockerProfile, parseKernelVersion, resolveDockerProfile } from "./dockerProfile.js";

const base = { capabilities: ["CAP_CHOWN"], arch: "x86_64", kernelRelease: "6.1.0-18-amd64" };

const profile: DockerSeccompProfile = {
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 1,
  archMap: [
    { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
  ],
  syscalls: [
    { names: ["read"], action: "SCMP_ACT_ALLOW" },
    { name: "mount", action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
    { names: ["both"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN", "CAP_CHOWN"] } },
    { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38, excludes: { caps: ["CAP_SYS_ADMIN"] } },
    { names: ["arch_prctl"], action: "SCMP_ACT_ALLOW", includes: { arches: ["amd64", "x32"] } },
    { names: ["not_s390"], action: "SCMP_ACT_ALLOW", excludes: { arches: ["s390x"] } },
    { names: ["ptrace"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "4.8" } },
    { names: ["old_only"], action: "SCMP_ACT_ALLOW", excludes: { minKernel: "5.10" } },
    { names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 40, op: "SCMP_CMP_NE" }] },
  ],
};

const names = (p: ReturnType<typeof resolveDockerProfile>) => p!.syscalls!.flatMap((s) => s.names);

test("keeps rules whose conditions hold, as moby's setupSeccomp", () => {
  const p = resolveDockerProfile(profile, base)!;
  assert.equal(p.defaultAction, "SCMP_ACT_ERRNO");
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  assert.deepEqual(names(p), ["read", "clone3", "arch_prctl", "not_s390", "ptrace", "socket"]);
  assert.deepEqual(p.syscalls![5], { names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 40, op: "SCMP_CMP_NE" }] });
  assert.deepEqual(p.syscalls![1], { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 });
});

test("capabilities: includes need all of them, excludes drop on any", () => {
  const p = resolveDockerProfile(profile, { ...base, capabilities: ["CAP_SYS_ADMIN", "CAP_CHOWN"] })!;
  assert.deepEqual(names(p), ["read", "mount", "both", "arch_prctl", "not_s390", "ptrace", "socket"]);
  const q = resolveDockerProfile(profile, { ...base, capabilities: ["CAP_SYS_ADMIN"] })!;
  assert.ok(!names(q).includes("both"));
});

test("architecture and kernel conditions", () => {
  const arm = resolveDockerProfile(profile, { ...base, arch: "aarch64" })!;
  assert.deepEqual(arm.architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  assert.ok(!names(arm).includes("arch_prctl"));
  const s390 = resolveDockerProfile(profile, { ...base, arch: "s390x", kernelRelease: "4.4.0" })!;
  assert.equal(s390.architectures, undefined); // not in the archMap: libseccomp's native arch only
  assert.deepEqual(names(s390), ["read", "clone3", "old_only", "socket"]);
});

test("conflicting or missing fields are refused with the field named", () => {
  const bad = (p: object, re: RegExp) =>
    assert.throws(() => resolveDockerProfile(p as DockerSeccompProfile, base), (e: unknown) => isEngineError(e, "InvalidArgument") && re.test(e.message));
  bad({ ...profile, architectures: ["SCMP_ARCH_X86_64"] }, /'architectures' and 'archMap'/);
  bad({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ name: "a", names: ["b"], action: "SCMP_ACT_ERRNO" }] }, /syscalls\[0\]: 'name' and 'names'/);
  bad({ defaultAction: "", syscalls: [{ names: ["a"], action: "SCMP_ACT_ERRNO" }] }, /defaultAction: missing/);
  bad({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["a"], action: "SCMP_ACT_ERRNO", includes: { minKernel: "new" } }] }, /syscalls\[0\]\.includes\.minKernel/);
  bad({ defaultAction: "SCMP_ACT_ALLOW", syscalls: { names: ["a"] } }, /syscalls: not a list/);
  bad({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: "read", action: "SCMP_ACT_ERRNO" }] }, /syscalls\[0\]\.names: not a list of strings/);
  bad({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["a"], action: "SCMP_ACT_ERRNO", includes: { caps: "CAP_X" } }] }, /syscalls\[0\]\.includes\.caps/);
  bad({ defaultAction: "SCMP_ACT_ALLOW", archMap: [{ architecture: 5 }] }, /archMap\[0\]\.architecture/);
  bad([] as unknown as object, /profile: not a JSON object/);
  assert.throws(() => resolveDockerProfile(profile, { ...base, arch: "vax" }), (e: unknown) => isEngineError(e, "InvalidArgument") && /vax/.test(e.message));
});

test("an empty profile means no seccomp, as in Docker", () => {
  assert.equal(resolveDockerProfile({ defaultAction: "" }, base), undefined);
});

test("parseKernelVersion", () => {
  assert.deepEqual(parseKernelVersion("6.18.44-fc-v657"), [6, 18]);
  assert.deepEqual(parseKernelVersion("4.8"), [4, 8]);
  assert.equal(parseKernelVersion("x"), null);
});

test("loadDockerProfile decodes a profile file and resolves it", () => {
  const p = loadDockerProfile(JSON.stringify(profile), base)!;
  assert.deepEqual(p, resolveDockerProfile(profile, base));
  assert.throws(() => loadDockerProfile("{nope", base), (e: unknown) => isEngineError(e, "InvalidArgument") && /^Decoding seccomp profile failed: /.test(e.message));
});
