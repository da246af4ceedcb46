import { invalidArgument } from "../../errors/EngineError.js";

/**
 * Architecture names. Three spellings meet here: what the host calls itself (uname -m
 * `x86_64`, Node's `process.arch` `x64`), Docker's profile conditions (Go/libseccomp native
 * names: `amd64`, `arm64`, `x32`), and the OCI `SCMP_ARCH_*` constants whose libseccomp names
 * (`x86_64`, `aarch64`) berth-seccomp resolves.
 */

const TO_NATIVE: Record<string, string> = {
  x86_64: "amd64",
  amd64: "amd64",
  x64: "amd64",
  i386: "x86",
  i686: "x86",
  ia32: "x86",
  x86: "x86",
  x32: "x32",
  aarch64: "arm64",
  arm64: "arm64",
  arm: "arm",
  armv7l: "arm",
  riscv64: "riscv64",
  s390x: "s390x",
  s390: "s390",
  ppc64le: "ppc64le",
  ppc64: "ppc64",
  ppc: "ppc",
  mips64: "mips64",
  mips64el: "mipsel64",
  mipsel64: "mipsel64",
  mipsel: "mipsle",
  mipsle: "mipsle",
};

/** Normalizes a host architecture name to Docker's native spelling (amd64, arm64, ...). */
export function nativeArch(name: string): string {
  const n = TO_NATIVE[name];
  if (!n) throw invalidArgument(`seccomp: unsupported architecture ${JSON.stringify(name)}`);
  return n;
}

/** OCI `SCMP_ARCH_*` constants → the names libseccomp's seccomp_arch_resolve_name accepts. */
export const SCMP_ARCH_NAMES: Readonly<Record<string, string>> = {
  SCMP_ARCH_X86: "x86",
  SCMP_ARCH_X86_64: "x86_64",
  SCMP_ARCH_X32: "x32",
  SCMP_ARCH_ARM: "arm",
  SCMP_ARCH_AARCH64: "aarch64",
  SCMP_ARCH_MIPS: "mips",
  SCMP_ARCH_MIPS64: "mips64",
  SCMP_ARCH_MIPS64N32: "mips64n32",
  SCMP_ARCH_MIPSEL: "mipsel",
  SCMP_ARCH_MIPSEL64: "mipsel64",
  SCMP_ARCH_MIPSEL64N32: "mipsel64n32",
  SCMP_ARCH_PPC: "ppc",
  SCMP_ARCH_PPC64: "ppc64",
  SCMP_ARCH_PPC64LE: "ppc64le",
  SCMP_ARCH_S390: "s390",
  SCMP_ARCH_S390X: "s390x",
  SCMP_ARCH_PARISC: "parisc",
  SCMP_ARCH_PARISC64: "parisc64",
  SCMP_ARCH_RISCV64: "riscv64",
};
