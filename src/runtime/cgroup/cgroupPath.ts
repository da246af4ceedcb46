import { invalidArgument } from "../../errors/EngineError.js";

/**
 * OCI `linux.cgroupsPath` as path components below a hierarchy root. Absolute and relative
 * paths are both taken relative to the hierarchy's mount point (runc does the same for
 * absolute paths); `.`/`..`/empty components are refused so no path can escape the mount.
 */
export function cgroupPathParts(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) throw invalidArgument(`cgroup path: ${JSON.stringify(path)} names the hierarchy root`);
  for (const p of parts) {
    if (p === "." || p === ".." || p.includes("\0")) throw invalidArgument(`cgroup path: invalid component ${JSON.stringify(p)} in ${JSON.stringify(path)}`);
  }
  return parts;
}
