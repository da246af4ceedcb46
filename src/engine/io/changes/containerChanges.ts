import { lstat, readdir } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import type { SnapshotMount } from "../../../image/snapshot/Snapshotter.js";
import { isOverlayWhiteout } from "../../../image/unpack/whiteout.js";

export interface FsChange { Path: string; Kind: 0 | 1 | 2 }

/** The lowerdirs of a container's overlay mount, top first, as absolute paths. */
export function overlayLowerDirs(mounts: readonly SnapshotMount[]): string[] {
  const overlay = mounts.find((m) => m.type === "overlay");
  if (!overlay) return [];
  const opt = (overlay.options ?? []).find((o) => o.startsWith("lowerdir="));
  if (!opt) return [];
  return opt.slice("lowerdir=".length).split(":").map((d) => (isAbsolute(d) ? d : resolve(overlay.cwd ?? "/", d)));
}

/**
 * `docker diff` from the overlay upper directory (moby's overlay changes): a whiteout (0/0
 * character device) is a deletion (2); an entry that exists in a lower layer is a change (0),
 * otherwise an addition (1). Below an added directory every entry is an addition. Sorted by path.
 */
export async function containerChanges(upper: string, lowerDirs: readonly string[], initPaths: ReadonlySet<string> = new Set()): Promise<FsChange[]> {
  const out: FsChange[] = [];
  const inLower = async (rel: string) => {
    for (const l of lowerDirs) if (await lstat(join(l, rel)).then(() => true, () => false)) return true;
    return false;
  };
  const walk = async (rel: string, parentAdded: boolean) => {
    const names = (await readdir(join(upper, rel))).sort();
    for (const name of names) {
      const r = `${rel}/${name}`;
      const st = await lstat(join(upper, r));
      if (isOverlayWhiteout({ isCharacterDevice: () => st.isCharacterDevice(), rdev: st.rdev })) {
        out.push({ Path: r, Kind: 2 });
        continue;
      }
      const added = parentAdded || !(await inLower(r));
      out.push({ Path: r, Kind: added ? 1 : 0 });
      if (st.isDirectory()) await walk(r, added);
    }
  };
  await walk("", false);
  return withoutInitPaths(out, initPaths).sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

/**
 * Docker keeps the mountpoints it creates (/etc/hosts, /etc/hostname, /etc/resolv.conf, ...) in
 * an "init" layer below the container's, so they never show in `docker diff`. berth's shim
 * creates them in the upper dir: they are left out here, and so is a directory listed as
 * changed only because such a mountpoint was created in it.
 */
function withoutInitPaths(changes: FsChange[], initPaths: ReadonlySet<string>): FsChange[] {
  if (initPaths.size === 0) return changes;
  const kept = changes.filter((c) => !(initPaths.has(c.Path) && c.Kind === 1));
  const dropped = changes.filter((c) => initPaths.has(c.Path) && c.Kind === 1);
  return kept.filter((c) => {
    if (c.Kind !== 0) return true;
    const prefix = `${c.Path}/`;
    const hadInit = dropped.some((d) => d.Path.startsWith(prefix));
    const hasOther = kept.some((k) => k.Path.startsWith(prefix));
    return !hadInit || hasOther;
  });
}
