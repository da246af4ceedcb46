/**
 * --volumes-from <container>[:mode] (HostConfig.VolumesFrom), as moby's registerMountPoints does
 * it: at create, every mount point of each source (its binds, its volumes — named, anonymous and
 * the image's —, and what it got through its own --volumes-from) is copied to the same
 * destination; a later source replaces an earlier one at the same destination, and a mount the new
 * container declares itself (Binds, Mounts, Tmpfs) replaces both. The copy is read-write only if
 * the source's mount is and the mode does not say "ro" (moby: `m.RW && ReadWrite(mode)`), so
 * ":rw" never upgrades a read-only source. --tmpfs mounts are not mount points in moby and are
 * not copied.
 */
import { isAbsolute, posix } from "node:path";
import type { HostConfig } from "../../api/types/container.js";
import { invalidArgument, isEngineError } from "../../errors/EngineError.js";
import type { ContainerRecord, ContainerVolumeMount, CopiedBind } from "../containers/ContainerRecord.js";

/** One parsed VolumesFrom entry. */
export interface VolumesFromSpec {
  container: string;
  /** False when the mode says "ro". */
  rw: boolean;
}

const RW_MODES = new Set(["rw", "ro"]);
const LABEL_MODES = new Set(["z", "Z"]);

/**
 * moby's ParseVolumesFrom: "<container>[:<mode>]", mode a comma list of at most one of rw/ro and
 * at most one of z/Z; propagation and copy modes (nocopy) are refused ("invalid mode: x").
 */
export function parseVolumesFrom(spec: string): VolumesFromSpec {
  if (spec === "") throw invalidArgument("volumes-from specification cannot be an empty string");
  const colon = spec.indexOf(":");
  const container = colon < 0 ? spec : spec.slice(0, colon);
  const mode = colon < 0 ? "" : spec.slice(colon + 1);
  if (mode === "") return { container, rw: true };
  let rwSeen = 0;
  let labelSeen = 0;
  for (const o of mode.split(",")) {
    if (RW_MODES.has(o)) rwSeen++;
    else if (LABEL_MODES.has(o)) labelSeen++;
    else throw invalidArgument(`invalid mode: ${mode}`);
  }
  if (rwSeen > 1 || labelSeen > 1) throw invalidArgument(`invalid mode: ${mode}`);
  return { container, rw: !mode.split(",").includes("ro") };
}

/** A container's mount points as moby keeps them: what --volumes-from copies. */
export interface SourceMounts {
  binds: CopiedBind[];
  volumes: ContainerVolumeMount[];
}

const PROPAGATIONS = new Set(["private", "rprivate", "shared", "rshared", "slave", "rslave"]);

/** Go's filepath.Clean for absolute paths: "/a//b/" → "/a/b", so destinations compare as moby's do. */
export function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

/** The source's own binds (-v /abs:/d, --mount type=bind), its volumes, and what it copied itself. */
export function mountPointsOf(rec: ContainerRecord): SourceMounts {
  const binds: CopiedBind[] = [];
  const hc = rec.hostConfig;
  for (const b of hc.Binds ?? []) {
    const [src, dst, mode = ""] = b.split(":");
    if (!src || !isAbsolute(src) || !dst) continue; // a volume name: in rec.volumes
    const opts = mode.split(",");
    binds.push({
      source: cleanPath(src),
      destination: cleanPath(dst),
      rw: !opts.includes("ro"),
      propagation: opts.find((o) => PROPAGATIONS.has(o)) ?? "rprivate",
    });
  }
  for (const m of hc.Mounts ?? []) {
    if (m.Type !== "bind" || !m.Source || !m.Target) continue;
    binds.push({ source: cleanPath(m.Source), destination: cleanPath(m.Target), rw: m.ReadOnly !== true, propagation: m.BindOptions?.Propagation || "rprivate" });
  }
  binds.push(...(rec.copiedBinds ?? []));
  return { binds, volumes: (rec.volumes ?? []).map((v) => ({ ...v, destination: cleanPath(v.destination) })) };
}

/** Destinations the container declares itself: they win over anything copied. */
export function ownDestinations(hc: HostConfig): Set<string> {
  const out = new Set<string>();
  for (const b of hc.Binds ?? []) {
    const dst = b.split(":")[1];
    if (dst && isAbsolute(dst)) out.add(cleanPath(dst));
  }
  for (const m of hc.Mounts ?? []) if (m.Target && isAbsolute(m.Target)) out.add(cleanPath(m.Target));
  for (const t of Object.keys(hc.Tmpfs ?? {})) if (isAbsolute(t)) out.add(cleanPath(t));
  return out;
}

/**
 * The mounts a new container gets from its sources (in VolumesFrom order), minus the destinations
 * it declares itself. Pure: the caller resolved the sources.
 */
export function mergeVolumesFrom(sources: ReadonlyArray<{ mounts: SourceMounts; rw: boolean }>, own: ReadonlySet<string>): SourceMounts {
  const byDest = new Map<string, { bind: CopiedBind } | { volume: ContainerVolumeMount }>();
  for (const { mounts, rw } of sources) {
    for (const b of mounts.binds) {
      byDest.delete(b.destination); // re-inserted last: the order of mounts follows the sources
      byDest.set(b.destination, { bind: { ...b, rw: b.rw && rw } });
    }
    for (const v of mounts.volumes) {
      byDest.delete(v.destination);
      byDest.set(v.destination, { volume: { name: v.name, destination: v.destination, source: v.source, rw: v.rw && rw, mode: "", anonymous: v.anonymous, copied: true } });
    }
  }
  const out: SourceMounts = { binds: [], volumes: [] };
  for (const [dest, m] of byDest) {
    if (own.has(dest)) continue;
    if ("bind" in m) out.binds.push(m.bind);
    else out.volumes.push(m.volume);
  }
  return out;
}

/**
 * Resolves HostConfig.VolumesFrom against the existing containers and merges their mounts. A
 * missing source is moby's InvalidParameter "No such container: x" (a 400, so the CLI does not
 * try to pull the image).
 */
export function volumesFrom(get: (idOrName: string) => ContainerRecord, hc: HostConfig): SourceMounts {
  const specs = hc.VolumesFrom ?? [];
  if (specs.length === 0) return { binds: [], volumes: [] };
  const sources = specs.map((raw) => {
    const spec = parseVolumesFrom(raw);
    let rec: ContainerRecord;
    try {
      rec = get(spec.container);
    } catch (e) {
      if (isEngineError(e, "NotFound")) throw invalidArgument(e.message, { cause: e });
      throw e;
    }
    return { mounts: mountPointsOf(rec), rw: spec.rw };
  });
  return mergeVolumesFrom(sources, ownDestinations(hc));
}
