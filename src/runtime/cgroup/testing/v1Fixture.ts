import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FakeKernelFs, makeTempRoot } from "./fakeKernelFs.js";

export const V1_UNLIMITED = "9223372036854771712";

/** A hybrid host like the build machine: separate cpu and cpuacct, name=systemd, empty cgroup2. */
export const HYBRID_MOUNTINFO = [
  "25 1 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
  "31 25 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
  "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices",
  "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
  "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio",
  "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
  "",
].join("\n");

/** Control files a new v1 cgroup gets, per controller (values as a fresh kernel cgroup shows them). */
const FILES: Record<string, Record<string, string>> = {
  cpu: { "cpu.shares": "1024", "cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000", "cpu.cfs_burst_us": "0", "cpu.rt_period_us": "1000000", "cpu.rt_runtime_us": "0", "cpu.idle": "0", "cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n" },
  cpuacct: { "cpuacct.usage": "0", "cpuacct.stat": "user 0\nsystem 0\n", "cpuacct.usage_percpu": "0 0 " },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "", "cpuset.effective_cpus": "", "cpuset.effective_mems": "" },
  memory: {
    "memory.limit_in_bytes": V1_UNLIMITED, "memory.memsw.limit_in_bytes": V1_UNLIMITED, "memory.soft_limit_in_bytes": V1_UNLIMITED,
    "memory.swappiness": "60", "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", "memory.usage_in_bytes": "0",
    "memory.max_usage_in_bytes": "0", "memory.failcnt": "0", "memory.memsw.usage_in_bytes": "0", "memory.use_hierarchy": "1",
    "memory.kmem.tcp.limit_in_bytes": V1_UNLIMITED, "memory.stat": "cache 0\nrss 0\ntotal_cache 0\ntotal_rss 0\ntotal_swap 0\n",
  },
  devices: { "devices.allow": "", "devices.deny": "", "devices.list": "a *:* rwm\n" },
  freezer: { "freezer.state": "THAWED" },
  blkio: {
    "blkio.bfq.weight": "100", "blkio.bfq.weight_device": "", "blkio.throttle.read_bps_device": "", "blkio.throttle.write_bps_device": "",
    "blkio.throttle.read_iops_device": "", "blkio.throttle.write_iops_device": "", "blkio.throttle.io_service_bytes_recursive": "Total 0\n",
    "blkio.throttle.io_serviced_recursive": "Total 0\n",
  },
  pids: { "pids.max": "max", "pids.current": "0" },
};

/** The hierarchy directory (under sys/fs/cgroup) a path belongs to, e.g. "cpu,cpuacct". */
function hierarchyOf(root: string, path: string): string {
  const rel = path.slice(join(root, "sys/fs/cgroup").length + 1);
  return rel.split("/")[0]!;
}

export interface V1Fixture {
  root: string;
  fs: FakeKernelFs;
  cleanup: () => Promise<void>;
  /** Absolute path of `cgroupPath` in hierarchy directory `h` ("memory", "cpu,cpuacct"). */
  dir(h: string, cgroupPath: string): string;
}

export async function makeV1Fixture(mountinfo = HYBRID_MOUNTINFO): Promise<V1Fixture> {
  const { root, cleanup } = await makeTempRoot();
  await mkdir(join(root, "proc/self"), { recursive: true });
  await writeFile(join(root, "proc/self/mountinfo"), mountinfo);
  const hierarchies = ["cpu,cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd", "unified"];
  const filesFor = (h: string, isRoot: boolean): Record<string, string> => {
    const out: Record<string, string> = { "cgroup.procs": "" };
    for (const c of h.split(",")) Object.assign(out, FILES[c] ?? {});
    if (isRoot) {
      // Root cgroups have no limit files for freezer/pids; cpuset is populated.
      delete out["freezer.state"];
      delete out["pids.max"];
      delete out["pids.current"];
      if (h === "cpuset") Object.assign(out, { "cpuset.cpus": "0-3", "cpuset.mems": "0", "cpuset.effective_cpus": "0-3", "cpuset.effective_mems": "0" });
    }
    return out;
  };
  for (const h of hierarchies) {
    const d = join(root, "sys/fs/cgroup", h);
    await mkdir(d, { recursive: true });
    for (const [n, c] of Object.entries(filesFor(h, true))) await writeFile(join(d, n), c);
  }
  const fs: FakeKernelFs = new FakeKernelFs(root, {
    onMkdir: (dir) => filesFor(hierarchyOf(root, dir), false),
    // The hybrid cgroup2 mount, like any cgroup2, refuses rename.
    onRename: (from) => (hierarchyOf(root, from) === "unified" ? "EPERM" : undefined),
    onWrite: async (path, data, self) => {
      const dir = dirname(path);
      const read = async (f: string) => (await self.readFile(join(dir, f)).catch(() => "-1")).trim();
      const num = (s: string) => (s === "-1" || Number(s) >= 2 ** 62 ? Infinity : Number(s));
      switch (basename(path)) {
        // The kernel keeps memsw >= limit, and refuses a limit it cannot reclaim down to.
        case "memory.limit_in_bytes": {
          const v = num(data);
          if (v > num(await read("memory.memsw.limit_in_bytes"))) return { error: "EINVAL" };
          if (v < Number(await read("memory.usage_in_bytes"))) return { error: "EBUSY" };
          return { content: v === Infinity ? V1_UNLIMITED : data };
        }
        case "memory.memsw.limit_in_bytes": {
          const v = num(data);
          if (v < num(await read("memory.limit_in_bytes"))) return { error: "EINVAL" };
          return { content: v === Infinity ? V1_UNLIMITED : data };
        }
        case "cpuset.cpus":
          await self.set(join(dir, "cpuset.effective_cpus"), data);
          return;
        case "cpuset.mems":
          await self.set(join(dir, "cpuset.effective_mems"), data);
          return;
        case "cgroup.procs":
          return { content: data + "\n" };
      }
      return;
    },
  });
  return { root, fs, cleanup, dir: (h, p) => join(root, "sys/fs/cgroup", h, ...p.split("/").filter((x) => x)) };
}
