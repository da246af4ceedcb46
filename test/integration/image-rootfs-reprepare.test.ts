import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFile, rmdir, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { ensureDefaultImage } from "../../src/image/defaultImage.js";
import { mountAll, unmountAll } from "../../src/image/snapshot/mountAll.js";
import { mountsUnder, openImageTestEnv, skipUnlessRoot } from "./image-testenv.js";

// prepareRootfs remembers which images it saw fully unpacked (no manifest/config reads on the
// next create); this checks the memory never outlives the layers it stands for.
test("prepareRootfs after the image and its layers were deleted and the image came back unpacks again", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("rootfs-reprepare");
  try {
    const img = await ensureDefaultImage(env.service);
    await env.service.prepareRootfs("berth-test-r1", img);
    await env.service.prepareRootfs("berth-test-r2", "busybox");
    await env.service.removeContainerRootfs("berth-test-r1");
    await env.service.removeContainerRootfs("berth-test-r2");
    await env.service.remove("busybox", { force: true });
    assert.deepEqual((await env.service.snapshotter.list()).filter((s) => s.kind === "committed"), [], "the layers were collected");
    const again = await ensureDefaultImage(env.service);
    assert.equal(again.id, img.id);
    assert.deepEqual((await env.service.snapshotter.list()).filter((s) => s.kind === "committed"), [], "not unpacked yet: the remembered top layer is gone");
    const mounts = await env.service.prepareRootfs("berth-test-r3", "busybox");
    const target = await mkdtemp(join(env.root, "mnt-"));
    await mountAll(mounts, target);
    try {
      assert.match(await readFile(join(target, "etc/passwd"), "utf8"), /^root:x:0:0:/);
    } finally {
      await unmountAll(target);
      await rmdir(target);
    }
    await env.service.removeContainerRootfs("berth-test-r3");
    assert.deepEqual(await mountsUnder(env.root), []);
  } finally {
    await env.close();
  }
});
