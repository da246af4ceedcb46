/**
 * The cgroup mounts listed in a mountinfo file (proc(5) format):
 *   id parent maj:min root mountpoint opts [optional...] - fstype source superopts
 */
export interface CgroupMount {
  /** "cgroup" (v1) or "cgroup2". */
  fsType: "cgroup" | "cgroup2";
  /** The directory inside the hierarchy that is mounted ("/" normally). */
  root: string;
  mountPoint: string;
  /** maj:min of the superblock: bind mounts of the same hierarchy share it. */
  device: string;
  /** v1: controllers and "name=X" entries from the super options; v2: empty. */
  controllers: string[];
}

/** Every v1 controller the kernel knows, so mount flags (rw, noprefix, xattr...) are not mistaken for one. */
const V1_CONTROLLERS = new Set([
  "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio",
  "perf_event", "hugetlb", "pids", "rdma", "misc", "debug",
]);

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseCgroupMounts(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    const sep = fields.indexOf("-");
    if (sep < 6 || fields.length < sep + 4) continue;
    const fsType = fields[sep + 1];
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    const device = fields[2]!;
    // The first mount of a hierarchy wins; later bind mounts of it are the same cgroups.
    if (seen.has(device)) continue;
    seen.add(device);
    const superOpts = fields[sep + 3]!.split(",");
    const controllers = fsType === "cgroup" ? superOpts.filter((o) => V1_CONTROLLERS.has(o) || o.startsWith("name=")) : [];
    out.push({ fsType, root: unescape(fields[3]!), mountPoint: unescape(fields[4]!), device, controllers });
  }
  return out;
}
