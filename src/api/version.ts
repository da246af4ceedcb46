/**
 * API version facts and comparison. Docker versions are "MAJOR.MINOR" strings compared
 * numerically part by part (moby api/types/versions), so "1.9" < "1.24".
 */
export const MAX_API_VERSION = "1.47";
export const MIN_API_VERSION = "1.24";

/** Negative if a < b, zero if equal, positive if a > b. Missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".");
  const pb = b.split(".");
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = Number.parseInt(pa[i] ?? "0", 10) || 0;
    const y = Number.parseInt(pb[i] ?? "0", 10) || 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export const versionAtLeast = (v: string, min: string): boolean => compareVersions(v, min) >= 0;

/** Splits "/v1.45/containers/json" into its version and the rest; unversioned paths pass through. */
export function splitVersionPrefix(path: string): { version: string | null; path: string } {
  const m = /^\/v(\d+(?:\.\d+)*)(\/.*)?$/.exec(path);
  if (!m) return { version: null, path };
  return { version: m[1]!, path: m[2] ?? "/" };
}

/**
 * The reason a requested version cannot be served, in moby's words, or null when it can.
 * An unversioned request is served at the maximum version.
 */
export function checkRequestedVersion(version: string, min = MIN_API_VERSION, max = MAX_API_VERSION): string | null {
  if (compareVersions(version, max) > 0) return `client version ${version} is too new. Maximum supported API version is ${max}`;
  if (compareVersions(version, min) < 0) return `client version ${version} is too old. Minimum supported API version is ${min}, please upgrade your client to a newer version`;
  return null;
}
