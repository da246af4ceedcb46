import { invalidArgument, notFound } from "../errors/EngineError.js";
import type { Descriptor, Platform } from "../oci/image.js";

/**
 * Platform matching for indexes (containerd's platforms package, reduced to what a Linux host
 * needs): the host platform from node's process, variants normalized, os.features required by
 * an entry must all be supported.
 */
const ARCH_FROM_NODE: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

export function hostPlatform(): Platform {
  const architecture = ARCH_FROM_NODE[process.arch] ?? process.arch;
  const p: Platform = { os: "linux", architecture };
  if (architecture === "arm64") p.variant = "v8";
  if (architecture === "arm") p.variant = "v7";
  return p;
}

/** Normalizes aliases (x86_64 → amd64, aarch64 → arm64, arm64 variant v8 is the default). */
export function normalizePlatform(p: Platform): Platform {
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase();
  if (architecture === "x86_64" || architecture === "x86-64") architecture = "amd64";
  if (architecture === "aarch64") architecture = "arm64";
  if (architecture === "armhf") { architecture = "arm"; variant = "v7"; }
  if (architecture === "armel") { architecture = "arm"; variant = "v6"; }
  if (architecture === "arm64" && (variant === undefined || variant === "8")) variant = "v8";
  if (architecture === "arm" && variant === undefined) variant = "v7";
  if (architecture === "arm" && variant !== undefined && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === "amd64" && variant === "v1") variant = undefined;
  const out: Platform = { ...p, os: p.os.toLowerCase(), architecture };
  if (variant === undefined) delete out.variant;
  else out.variant = variant;
  return out;
}

const ARM_VARIANT_ORDER = ["v5", "v6", "v7", "v8"];
const AMD64_VARIANT_ORDER = ["v1", "v2", "v3", "v4"];

/**
 * Does `candidate` run on `host`? Same os and architecture; a variant at or below the host's
 * (an arm/v6 image runs on v7 hardware, amd64/v2 on a v3 host); every os.feature listed by the
 * candidate must be in the host's list.
 */
export function platformMatches(host: Platform, candidate: Platform): boolean {
  const h = normalizePlatform(host);
  const c = normalizePlatform(candidate);
  if (h.os !== c.os || h.architecture !== c.architecture) return false;
  const order = h.architecture === "arm" ? ARM_VARIANT_ORDER : h.architecture === "amd64" ? AMD64_VARIANT_ORDER : undefined;
  if (c.variant !== undefined && c.variant !== h.variant) {
    if (!order) return false;
    const hi = order.indexOf(h.variant ?? order[0]!);
    const ci = order.indexOf(c.variant);
    if (hi < 0 || ci < 0 || ci > hi) return false;
  }
  const need = c["os.features"] ?? [];
  const have = new Set(h["os.features"] ?? []);
  return need.every((f) => have.has(f));
}

/** Higher is better: an exact variant beats a compatible older one. */
function score(host: Platform, candidate: Platform): number {
  const h = normalizePlatform(host);
  const c = normalizePlatform(candidate);
  if (c.variant === h.variant) return 100;
  const order = h.architecture === "arm" ? ARM_VARIANT_ORDER : AMD64_VARIANT_ORDER;
  return 50 + order.indexOf(c.variant ?? order[0]!);
}

/**
 * Picks the manifest for `want` (default: this host) from an index's entries. Entries without a
 * platform are skipped (attestations, artifacts). Throws NotFound with Docker's wording.
 */
export function selectPlatformManifest(manifests: readonly Descriptor[], want: Platform = hostPlatform()): Descriptor {
  let best: Descriptor | undefined;
  let bestScore = -1;
  for (const d of manifests) {
    if (!d.platform || !platformMatches(want, d.platform)) continue;
    const s = score(want, d.platform);
    if (s > bestScore) {
      best = d;
      bestScore = s;
    }
  }
  if (!best) throw notFound(`select platform: no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
  return best;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== "").join("/");
}

/** Parses `linux/arm64/v8` (the --platform flag form). */
export function parsePlatform(s: string): Platform {
  const parts = s.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => x === "")) {
    throw invalidArgument(`parse platform: invalid platform ${JSON.stringify(s)} (want os/arch[/variant])`);
  }
  const p: Platform = { os: parts[0]!, architecture: parts[1]! };
  if (parts[2]) p.variant = parts[2];
  return normalizePlatform(p);
}
