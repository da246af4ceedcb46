import { constants } from "node:fs";
import { lstat, mkdir, open, readFile, stat } from "node:fs/promises";
import type { Spec, SpecMount } from "../../../oci/runtime.js";
import { EngineError, internal } from "../../../errors/EngineError.js";
import { mountAll, unmountAll } from "../../../image/snapshot/mountAll.js";
import { SafeRoot } from "../../../image/unpack/safePath.js";
import { resolveInRoot } from "./resolveInRoot.js";

/** A host file or directory the container sees at `destination` (a volume, -v/--mount bind, /etc/hosts). */
export interface BindMount { destination: string; source: string; readOnly: boolean }

/**
 * The bind mounts of a container's OCI spec (its bundle's config.json, written at create and at
 * every start): what the runtime mounts into the container, in the spec's order (parents first).
 * tmpfs, proc and the like hold nothing while the container is stopped and are left out, and
 * so are binds under /proc, /sys and /dev (the host's kernel views, not the container's data). A
 * missing or unreadable spec is no mounts (a container created before specs were kept).
 */
export async function readBindMounts(specFile: string): Promise<BindMount[]> {
  const text = await readFile(specFile, "utf8").catch(() => null);
  if (text === null) return [];
  let spec: Spec;
  try {
    spec = JSON.parse(text) as Spec;
  } catch (e) {
    throw internal(`archive: read the container's mounts from ${specFile}: ${(e as Error).message}`);
  }
  return (spec.mounts ?? []).filter(isBind).map((m) => ({ destination: m.destination, source: m.source!, readOnly: (m.options ?? []).includes("ro") }));
}

/** Kernel file systems the runtime provides: a bind there (e.g. /sys without a netns) is not the container's data. */
const KERNEL_DIRS = ["/proc", "/sys", "/dev"];

function isBind(m: SpecMount): boolean {
  const o = m.options ?? [];
  if (KERNEL_DIRS.some((k) => m.destination === k || m.destination.startsWith(`${k}/`))) return false;
  return !!m.source && (m.type === "bind" || o.includes("bind") || o.includes("rbind"));
}

/**
 * Mounts `binds` into a stopped container's root mounted at `root`, as moby mounts a stopped
 * container's volumes for docker cp: each destination is resolved inside the root like any
 * container path (its symlinks followed in scope, `..` clamped), so a link in the image cannot
 * place a mount outside the root. A missing mount point is created (parents without following
 * links) only when `write` (the root is mounted read-write then); otherwise that mount is left
 * out. Read-only unless `write` and the mount is read-write. Returns the mount points on the
 * host, in mount order (unmount in reverse); on failure, what was mounted is unmounted again.
 */
export async function mountBinds(root: string, binds: readonly BindMount[], write: boolean): Promise<string[]> {
  const mounted: string[] = [];
  try {
    for (const b of binds) {
      const src = await stat(b.source).catch(() => null);
      if (!src) continue; // a source removed since (a bind's host path): the start would fail, not the copy
      const r = await resolveInRoot(root, b.destination, true);
      if (r.host === root) continue; // a bind on "/" (never made by the engine)
      const at = await lstat(r.host).catch(() => null);
      if (!at) {
        if (!write) continue;
        await createMountPoint(root, r.inContainer, src.isDirectory());
      } else if (at.isDirectory() !== src.isDirectory()) {
        continue; // the runtime would refuse this mount at start as well
      }
      await mountAll([{ type: "bind", source: b.source, options: ["bind", write && !b.readOnly ? "rw" : "ro"] }], r.host);
      mounted.push(r.host);
    }
    return mounted;
  } catch (e) {
    const cleanupErrors = await unmountBinds(mounted).then(() => [], (ce: unknown) => [ce]);
    if (e instanceof EngineError) throw new EngineError(e.kind, e.message, { cause: e.cause, cleanupErrors });
    throw internal(`archive: mount the container's volumes: ${(e as Error).message}`, { cause: e, cleanupErrors });
  }
}

/** Unmounts what mountBinds mounted, innermost first; every one is tried, the first error thrown. */
export async function unmountBinds(mounted: readonly string[]): Promise<void> {
  let first: unknown;
  for (const at of [...mounted].reverse()) await unmountAll(at).catch((e: unknown) => { first ??= e; });
  if (first !== undefined) throw first;
}

/** Creates a mount point as the runtime would at start: parents as real directories, then a directory or an empty file. */
async function createMountPoint(root: string, inContainer: string, dir: boolean): Promise<void> {
  const parts = inContainer.split("/").filter(Boolean);
  const abs = await new SafeRoot(root).parentsOf(parts);
  if (dir) {
    await mkdir(abs, { mode: 0o755 });
    return;
  }
  const fh = await open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  await fh.close();
}
