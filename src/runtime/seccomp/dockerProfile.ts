import type { Seccomp, SeccompAction, SeccompArg, SeccompSyscall } from "../../oci/runtime.js";
import { invalidArgument } from "../../errors/EngineError.js";
import { nativeArch } from "./arch.js";

/**
 * Docker's seccomp profile format (moby profiles/seccomp): the OCI `Seccomp` plus conditions on
 * each rule (`includes`/`excludes` by capability, native architecture and kernel version) and an
 * `archMap` that expands the native architecture into its sub-architectures. This is the format
 * of `docker run --security-opt seccomp=profile.json` and of Docker's default profile; it is
 * resolved into a plain OCI `Seccomp` for one container (its capabilities, the host arch).
 */
export interface DockerSeccompFilter {
  /** Capabilities that must all be (includes) / any of which must not be (excludes) in the bounding set. */
  caps?: string[];
  /** Native architecture names as Go/libseccomp spell them: amd64, x86, x32, arm, arm64, s390x, ... */
  arches?: string[];
  /** "major.minor": the running kernel must be at least this (includes) / below it (excludes). */
  minKernel?: string;
}

export interface DockerSeccompRule {
  name?: string;
  names?: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  comment?: string;
  includes?: DockerSeccompFilter;
  excludes?: DockerSeccompFilter;
}

export interface DockerSeccompArchMap {
  architecture: string;
  subArchitectures?: string[] | null;
}

export interface DockerSeccompProfile {
  defaultAction: SeccompAction | "";
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: DockerSeccompArchMap[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: DockerSeccompRule[];
}

export interface ResolveOptions {
  /** The container's bounding capability set (moby checks includes/excludes caps against it). */
  capabilities: readonly string[];
  /** Host architecture in any common spelling (x86_64, amd64, x64, aarch64, arm64, ...). */
  arch: string;
  /** Kernel release like "6.1.0-18-amd64", compared with minKernel conditions. */
  kernelRelease: string;
}

/** Docker's native-arch name → the SCMP_ARCH_* constant that selects its archMap entry. */
const NATIVE_TO_SCMP: Record<string, string> = {
  x86: "SCMP_ARCH_X86",
  amd64: "SCMP_ARCH_X86_64",
  arm: "SCMP_ARCH_ARM",
  arm64: "SCMP_ARCH_AARCH64",
  mips64: "SCMP_ARCH_MIPS64",
  mips64n32: "SCMP_ARCH_MIPS64N32",
  mipsel64: "SCMP_ARCH_MIPSEL64",
  mipsel64n32: "SCMP_ARCH_MIPSEL64N32",
  mipsle: "SCMP_ARCH_MIPSEL",
  ppc: "SCMP_ARCH_PPC",
  ppc64: "SCMP_ARCH_PPC64",
  ppc64le: "SCMP_ARCH_PPC64LE",
  riscv64: "SCMP_ARCH_RISCV64",
  s390: "SCMP_ARCH_S390",
  s390x: "SCMP_ARCH_S390X",
};

/** Parses "4.8" or "6.1.0-18-amd64" into [major, minor]; null if it does not start that way. */
export function parseKernelVersion(release: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function kernelAtLeast(release: string, min: string, field: string): boolean {
  const want = parseKernelVersion(min);
  if (!want) throw invalidArgument(`seccomp profile: ${field}: bad kernel version ${JSON.stringify(min)}`);
  const have = parseKernelVersion(release);
  if (!have) throw invalidArgument(`seccomp profile: cannot parse kernel release ${JSON.stringify(release)}`);
  return have[0] !== want[0] ? have[0] > want[0] : have[1] >= want[1];
}

const isStringList = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === "string");

/** Shape checks for a profile read from a user's JSON file, so a typo is an InvalidArgument naming the field. */
function checkShape(profile: DockerSeccompProfile): void {
  const bad = (field: string, what: string) => invalidArgument(`seccomp profile: ${field}: ${what}`);
  if (!profile || typeof profile !== "object" || Array.isArray(profile)) throw bad("profile", "not a JSON object");
  if (profile.defaultAction !== undefined && typeof profile.defaultAction !== "string") throw bad("defaultAction", "not a string");
  if (profile.architectures != null && !isStringList(profile.architectures)) throw bad("architectures", "not a list of strings");
  if (profile.archMap != null) {
    if (!Array.isArray(profile.archMap)) throw bad("archMap", "not a list");
    profile.archMap.forEach((a, i) => {
      if (!a || typeof a.architecture !== "string") throw bad(`archMap[${i}].architecture`, "not a string");
      if (a.subArchitectures != null && !isStringList(a.subArchitectures)) throw bad(`archMap[${i}].subArchitectures`, "not a list of strings");
    });
  }
  if (profile.syscalls != null && !Array.isArray(profile.syscalls)) throw bad("syscalls", "not a list");
  (profile.syscalls ?? []).forEach((r, i) => {
    if (!r || typeof r !== "object") throw bad(`syscalls[${i}]`, "not an object");
    if (r.names != null && !isStringList(r.names)) throw bad(`syscalls[${i}].names`, "not a list of strings");
    if (r.name != null && typeof r.name !== "string") throw bad(`syscalls[${i}].name`, "not a string");
    if (r.args != null && !Array.isArray(r.args)) throw bad(`syscalls[${i}].args`, "not a list");
    for (const key of ["includes", "excludes"] as const) {
      const f = r[key];
      if (f == null) continue;
      if (typeof f !== "object") throw bad(`syscalls[${i}].${key}`, "not an object");
      if (f.caps != null && !isStringList(f.caps)) throw bad(`syscalls[${i}].${key}.caps`, "not a list of strings");
      if (f.arches != null && !isStringList(f.arches)) throw bad(`syscalls[${i}].${key}.arches`, "not a list of strings");
      if (f.minKernel != null && typeof f.minKernel !== "string") throw bad(`syscalls[${i}].${key}.minKernel`, "not a string");
    }
  });
}

/** Whether a rule applies to this container, with moby's semantics (excludes first, then includes). */
function ruleApplies(rule: DockerSeccompRule, i: number, arch: string, caps: ReadonlySet<string>, kernel: string): boolean {
  const ex = rule.excludes ?? {};
  if (ex.arches?.length && ex.arches.includes(arch)) return false;
  if (ex.caps?.length && ex.caps.some((c) => caps.has(c))) return false;
  if (ex.minKernel && kernelAtLeast(kernel, ex.minKernel, `syscalls[${i}].excludes.minKernel`)) return false;
  const inc = rule.includes ?? {};
  if (inc.arches?.length && !inc.arches.includes(arch)) return false;
  if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
  if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel, `syscalls[${i}].includes.minKernel`)) return false;
  return true;
}

/**
 * Resolves a Docker-format profile for one container, as moby's setupSeccomp does: keeps the
 * rules whose conditions hold, expands archMap for the native architecture, and drops the
 * Docker-only fields. A profile with neither a default action nor rules means "no seccomp"
 * (returns undefined), as in Docker.
 */
export function resolveDockerProfile(profile: DockerSeccompProfile, opts: ResolveOptions): Seccomp | undefined {
  checkShape(profile);
  if (!profile.defaultAction && !profile.syscalls?.length) return undefined;
  if (!profile.defaultAction) throw invalidArgument("seccomp profile: defaultAction: missing");
  if (profile.architectures?.length && profile.archMap?.length) {
    throw invalidArgument("seccomp profile: 'architectures' and 'archMap' were both given, use one of them");
  }
  const arch = nativeArch(opts.arch);
  const caps = new Set(opts.capabilities);

  const architectures: string[] = [...(profile.architectures ?? [])];
  const scmpNative = NATIVE_TO_SCMP[arch];
  const entry = profile.archMap?.find((a) => a.architecture === scmpNative);
  if (entry) architectures.push(entry.architecture, ...(entry.subArchitectures ?? []));

  const syscalls: SeccompSyscall[] = [];
  (profile.syscalls ?? []).forEach((rule, i) => {
    if (!ruleApplies(rule, i, arch, caps, opts.kernelRelease)) return;
    if (rule.name && rule.names?.length) {
      throw invalidArgument(`seccomp profile: syscalls[${i}]: 'name' and 'names' were both given, use one of them`);
    }
    const names = rule.name ? [rule.name] : [...(rule.names ?? [])];
    const out: SeccompSyscall = { names, action: rule.action };
    if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
    if (rule.args?.length) out.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(out);
  });

  const out: Seccomp = { defaultAction: profile.defaultAction, syscalls };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (architectures.length) out.architectures = architectures;
  if (profile.flags?.length) out.flags = [...profile.flags];
  if (profile.listenerPath !== undefined) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata !== undefined) out.listenerMetadata = profile.listenerMetadata;
  return out;
}

/**
 * `docker run --security-opt seccomp=<file>`: the file's text, decoded and resolved for one
 * container. A JSON error is an InvalidArgument worded as Docker's.
 */
export function loadDockerProfile(text: string, opts: ResolveOptions): Seccomp | undefined {
  let profile: DockerSeccompProfile;
  try {
    profile = JSON.parse(text) as DockerSeccompProfile;
  } catch (e) {
    throw invalidArgument(`Decoding seccomp profile failed: ${(e as Error).message}`, { cause: e });
  }
  return resolveDockerProfile(profile, opts);
}
