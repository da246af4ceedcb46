import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isAlive, parseProcStat } from "./procStat.js";
import { parseCgroupHierarchies } from "./cgroupHierarchies.js";

test("parseProcStat copes with spaces and parentheses in the command name", () => {
  const text = "1234 (a b) c)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615\n";
  assert.deepEqual(parseProcStat(1234, text), { pid: 1234, state: "S", startTime: "987654" });
  assert.equal(parseProcStat(1, "garbage"), null);
});

test("zombies and dead processes count as not alive", () => {
  assert.equal(isAlive(null), false);
  assert.equal(isAlive({ pid: 1, state: "Z", startTime: "1" }), false);
  assert.equal(isAlive({ pid: 1, state: "X", startTime: "1" }), false);
  assert.equal(isAlive({ pid: 1, state: "T", startTime: "1" }), true);
  assert.equal(isAlive({ pid: 1, state: "R", startTime: "1" }), true);
});

test("cgroup v1 hierarchies from mountinfo: selectors, named hierarchies, co-mounts, only under the root", () => {
  const mi = [
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd",
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
    "90 80 0:32 /x /elsewhere/memory rw - cgroup cgroup rw,memory",
  ].join("\n");
  assert.deepEqual(parseCgroupHierarchies(mi), [
    { mountpoint: "/sys/fs/cgroup/cpu,cpuacct", options: "cpu,cpuacct" },
    { mountpoint: "/sys/fs/cgroup/memory", options: "memory" },
    { mountpoint: "/sys/fs/cgroup/systemd", options: "none,name=systemd" },
  ]);
});
