import { test } from "node:test";
import { strict as assert } from "node:assert";
import { parseCgroupMounts } from "./mountinfo.js";
import { HYBRID_MOUNTINFO } from "./testing/v1Fixture.js";

test("parseCgroupMounts: combined, named and cgroup2 hierarchies; mount flags are not controllers", () => {
  const mounts = parseCgroupMounts(HYBRID_MOUNTINFO);
  assert.deepEqual(
    mounts.map((m) => [m.fsType, m.mountPoint, m.controllers.join(",")]),
    [
      ["cgroup", "/sys/fs/cgroup/cpu,cpuacct", "cpu,cpuacct"],
      ["cgroup", "/sys/fs/cgroup/cpuset", "cpuset"],
      ["cgroup", "/sys/fs/cgroup/memory", "memory"],
      ["cgroup", "/sys/fs/cgroup/devices", "devices"],
      ["cgroup", "/sys/fs/cgroup/freezer", "freezer"],
      ["cgroup", "/sys/fs/cgroup/blkio", "blkio"],
      ["cgroup", "/sys/fs/cgroup/pids", "pids"],
      ["cgroup", "/sys/fs/cgroup/systemd", "name=systemd"],
      ["cgroup2", "/sys/fs/cgroup/unified", ""],
    ],
  );
});

test("parseCgroupMounts: octal escapes, optional fields, bind mounts of one hierarchy counted once", () => {
  const text = [
    "50 31 0:40 /sub /mnt/my\\040cgroups rw,relatime shared:9 master:2 - cgroup cgroup rw,memory",
    "51 31 0:40 / /other/place rw - cgroup cgroup rw,memory",
    "52 31 0:41 / /x rw - cgroup none rw,noprefix,release_agent=/bin/x,net_cls,net_prio",
    "53 31 8:1 / / rw - ext4 /dev/sda1 rw",
  ].join("\n");
  const mounts = parseCgroupMounts(text);
  assert.equal(mounts.length, 2);
  assert.deepEqual(mounts[0], { fsType: "cgroup", root: "/sub", mountPoint: "/mnt/my cgroups", device: "0:40", controllers: ["memory"] });
  assert.deepEqual(mounts[1]!.controllers, ["net_cls", "net_prio"]);
});
