/**
 * Facts about the host shown by /version and /info, gathered once at server start so requests
 * do no file reads for them.
 */
import { readFileSync } from "node:fs";
import { arch, cpus, hostname, release, totalmem } from "node:os";

export interface HostFacts {
  kernelVersion: string;
  operatingSystem: string;
  osVersion: string;
  /** Go's GOARCH names, as Docker reports them (amd64, arm64, ...). */
  architecture: string;
  ncpu: number;
  memTotal: number;
  hostname: string;
  nodeVersion: string;
}

const GOARCH: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64" };

export function goArch(nodeArch: string): string {
  return GOARCH[nodeArch] ?? nodeArch;
}

/** PRETTY_NAME and VERSION_ID from an os-release text (what moby's operatingsystem package reads). */
export function parseOsRelease(text: string): { prettyName: string; versionId: string } {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!.replace(/^["']|["']$/g, ""));
  }
  return { prettyName: vars.get("PRETTY_NAME") ?? "Linux", versionId: vars.get("VERSION_ID") ?? "" };
}

export function collectHostFacts(osReleasePath = "/etc/os-release"): HostFacts {
  let os = { prettyName: "Linux", versionId: "" };
  try {
    os = parseOsRelease(readFileSync(osReleasePath, "utf8"));
  } catch {
    // no os-release: report plain Linux, as moby does
  }
  return {
    kernelVersion: release(),
    operatingSystem: os.prettyName,
    osVersion: os.versionId,
    architecture: goArch(arch()),
    ncpu: cpus().length,
    memTotal: totalmem(),
    hostname: hostname(),
    nodeVersion: process.version,
  };
}
