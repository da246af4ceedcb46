import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FakeKernelFs, makeTempRoot } from "./fakeKernelFs.js";

export const UNIFIED_MOUNTINFO = [
  "25 1 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
  "30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot",
  "",
].join("\n");

const PER_CONTROLLER: Record<string, Record<string, string>> = {
  memory: {
    "memory.max": "max", "memory.high": "max", "memory.low": "0", "memory.min": "0", "memory.swap.max": "max", "memory.current": "0",
    "memory.peak": "0", "memory.swap.current": "0", "memory.stat": "anon 0\nfile 0\n", "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n",
  },
  cpu: { "cpu.weight": "100", "cpu.max": "max 100000", "cpu.max.burst": "0", "cpu.idle": "0" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "", "cpuset.cpus.effective": "0-3", "cpuset.mems.effective": "0" },
  io: { "io.max": "", "io.weight": "default 100", "io.stat": "" },
  pids: { "pids.max": "max", "pids.current": "0" },
  hugetlb: { "hugetlb.2MB.max": "max", "hugetlb.1GB.max": "max" },
};

export interface V2Fixture {
  root: string;
  mountPoint: string;
  fs: FakeKernelFs;
  cleanup: () => Promise<void>;
  dir(cgroupPath: string): string;
}

export interface V2FixtureOptions {
  /** Controllers the root offers (default: the usual full set). */
  controllers?: string[];
  /** Offer io.bfq.weight in new cgroups (BFQ scheduler present). */
  bfq?: boolean;
  mountinfo?: string;
}

export async function makeV2Fixture(o: V2FixtureOptions = {}): Promise<V2Fixture> {
  const { root, cleanup } = await makeTempRoot();
  const controllers = o.controllers ?? ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"];
  const mountPoint = join(root, "sys/fs/cgroup");
  await mkdir(join(root, "proc/self"), { recursive: true });
  await writeFile(join(root, "proc/self/mountinfo"), o.mountinfo ?? UNIFIED_MOUNTINFO);
  await mkdir(mountPoint, { recursive: true });
  const rootFiles: Record<string, string> = {
    "cgroup.controllers": controllers.join(" ") + "\n", "cgroup.subtree_control": "\n", "cgroup.procs": "", "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\n",
    "cpuset.cpus.effective": "0-3", "cpuset.mems.effective": "0",
  };
  for (const [n, c] of Object.entries(rootFiles)) await writeFile(join(mountPoint, n), c);
  const fs: FakeKernelFs = new FakeKernelFs(root, {
    onMkdir: async (dir) => {
      // A child is offered exactly what its parent enabled in subtree_control.
      const enabled = (await fs.readFile(join(dirname(dir), "cgroup.subtree_control"))).trim().split(/\s+/).filter((x) => x);
      const files: Record<string, string> = {
        "cgroup.controllers": enabled.join(" ") + "\n", "cgroup.subtree_control": "\n", "cgroup.procs": "", "cgroup.freeze": "0",
        "cgroup.events": "populated 0\nfrozen 0\n", "cgroup.kill": "", "cgroup.max.descendants": "max",
        "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\n",
      };
      for (const c of enabled) Object.assign(files, PER_CONTROLLER[c] ?? {});
      if (enabled.includes("io") && o.bfq) files["io.bfq.weight"] = "default 100";
      return files;
    },
    onWrite: async (path, data, self) => {
      const dir = dirname(path);
      switch (basename(path)) {
        case "cgroup.subtree_control": {
          const m = /^\+(\w+)$/.exec(data);
          const available = (await self.readFile(join(dir, "cgroup.controllers"))).trim().split(/\s+/);
          if (!m || !available.includes(m[1]!)) return { error: "EINVAL" };
          const now = new Set((await self.readFile(path)).trim().split(/\s+/).filter((x) => x));
          now.add(m[1]!);
          return { content: controllersInOrder([...now]).join(" ") + "\n" };
        }
        case "cgroup.freeze":
          await self.set(join(dir, "cgroup.events"), `populated 0\nfrozen ${data.trim() === "1" ? 1 : 0}\n`);
          return;
      }
      return;
    },
  });
  return { root, mountPoint, fs, cleanup, dir: (p) => join(mountPoint, ...p.split("/").filter((x) => x)) };
}

const ORDER = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"];
function controllersInOrder(list: string[]): string[] {
  return list.sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
}
