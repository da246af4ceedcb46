import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import { detectCgroupLayout, detectCgroupManager } from "./detect.js";
import { makeTempRoot } from "./testing/fakeKernelFs.js";
import { HYBRID_MOUNTINFO } from "./testing/v1Fixture.js";
import { UNIFIED_MOUNTINFO } from "./testing/v2Fixture.js";
import type { CgroupV1Manager } from "./v1/manager.js";
import type { CgroupV2Manager } from "./v2/manager.js";

async function tree(mountinfo: string, controllersAt?: [string, string]) {
  const t = await makeTempRoot();
  await mkdir(join(t.root, "proc/self"), { recursive: true });
  await writeFile(join(t.root, "proc/self/mountinfo"), mountinfo);
  if (controllersAt) {
    await mkdir(join(t.root, controllersAt[0]), { recursive: true });
    await writeFile(join(t.root, controllersAt[0], "cgroup.controllers"), controllersAt[1]);
  }
  return t;
}

test("detect: hybrid host (v1 controllers, empty cgroup2 at /sys/fs/cgroup/unified) is v1", async () => {
  const t = await tree(HYBRID_MOUNTINFO, ["sys/fs/cgroup/unified", ""]);
  try {
    const m = detectCgroupManager(t.root) as CgroupV1Manager;
    assert.equal(m.version, 1);
    assert.deepEqual(
      m.hierarchies.map((h) => [h.mountPoint.slice(t.root.length), h.controllers.join(","), h.unified]),
      [
        ["/sys/fs/cgroup/cpu,cpuacct", "cpu,cpuacct", false],
        ["/sys/fs/cgroup/cpuset", "cpuset", false],
        ["/sys/fs/cgroup/memory", "memory", false],
        ["/sys/fs/cgroup/devices", "devices", false],
        ["/sys/fs/cgroup/freezer", "freezer", false],
        ["/sys/fs/cgroup/blkio", "blkio", false],
        ["/sys/fs/cgroup/pids", "pids", false],
        ["/sys/fs/cgroup/systemd", "name=systemd", false],
        ["/sys/fs/cgroup/unified", "", true],
      ],
    );
  } finally {
    await t.cleanup();
  }
});

test("detect: cgroup2 at /sys/fs/cgroup with controllers is v2", async () => {
  const t = await tree(UNIFIED_MOUNTINFO, ["sys/fs/cgroup", "cpuset cpu io memory pids\n"]);
  try {
    const m = detectCgroupManager(t.root) as CgroupV2Manager;
    assert.equal(m.version, 2);
    assert.equal(m.mountPoint, join(t.root, "sys/fs/cgroup"));
    assert.equal(m.enforcesDeviceRules, false);
  } finally {
    await t.cleanup();
  }
});

test("detect: cgroup2 at /sys/fs/cgroup without controllers but v1 hierarchies mounted elsewhere is v1", async () => {
  const mi = UNIFIED_MOUNTINFO + "60 30 0:50 / /legacy/memory rw - cgroup cgroup rw,memory\n";
  const t = await tree(mi, ["sys/fs/cgroup", "\n"]);
  try {
    assert.equal(detectCgroupLayout(t.root).version, 1);
  } finally {
    await t.cleanup();
  }
});

test("detect: a lone controller-less cgroup2 is still v2; no cgroup fs at all is Unavailable", async () => {
  const t = await tree(UNIFIED_MOUNTINFO, ["sys/fs/cgroup", ""]);
  const none = await tree("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
  try {
    assert.deepEqual(detectCgroupLayout(t.root), { version: 2, mountPoint: join(t.root, "sys/fs/cgroup") });
    assert.throws(() => detectCgroupManager(none.root), (e: unknown) => isEngineError(e, "Unavailable") && /no cgroup filesystem/.test(e.message));
  } finally {
    await t.cleanup();
    await none.cleanup();
  }
});
