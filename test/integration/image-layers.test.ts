import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, readFile, readdir, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { MOUNT_DATA_LIMIT } from "../../src/image/snapshot/OverlaySnapshotter.js";
import { mountAll, unmountAll } from "../../src/image/snapshot/mountAll.js";
import { buildTar, buildTestImage, mountsUnder, openImageTestEnv, skipUnlessRoot } from "./image-testenv.js";

for (const [title, suffix] of [
  ["absolute lowerdirs", ""],
  ["relative lowerdirs under a long root", "a-long-data-root-directory-name-".repeat(3)],
] as const) {
  test(`a 70-layer image mounts (${title})`, { skip: skipUnlessRoot }, async () => {
    const env = await openImageTestEnv("layers", suffix);
    try {
      const tars = Array.from({ length: 70 }, (_, i) =>
        buildTar([
          { path: `layer-${String(i).padStart(2, "0")}`, data: `layer ${i}` },
          { path: "top", data: `written by ${i}` },
          ...(i === 69 ? [{ path: ".wh.layer-00", data: "" }] : []),
        ]),
      );
      await buildTestImage(env.service, "berth-test/deep:1", tars);
      const mounts = await env.service.prepareRootfs("berth-test-deep", "berth-test/deep:1");
      const data = mounts[0]!.options.join(",");
      assert.ok(data.length <= MOUNT_DATA_LIMIT);
      assert.equal(mounts[0]!.cwd !== undefined, suffix !== "", JSON.stringify(mounts[0]!.cwd));
      const t = await mkdtemp(join(env.root, "mnt-"));
      await mountAll(mounts, t);
      try {
        const names = (await readdir(t)).sort();
        assert.equal(names.length, 70, names.join(","));
        assert.ok(!names.includes("layer-00"), "whiteout in the top layer hides layer-00");
        assert.equal(await readFile(join(t, "layer-01"), "utf8"), "layer 1");
        assert.equal(await readFile(join(t, "top"), "utf8"), "written by 69");
      } finally {
        await unmountAll(t);
        await rmdir(t);
      }
      assert.deepEqual(await mountsUnder(env.root), []);
      await env.service.removeContainerRootfs("berth-test-deep");
    } finally {
      await env.close();
    }
  });
}

test("directories a layer creates only implicitly keep the metadata they have below", { skip: skipUnlessRoot }, async () => {
  const { lstat } = await import("node:fs/promises");
  const env = await openImageTestEnv("layers");
  try {
    const lower = buildTar([
      { path: "tmp/", type: "dir", mode: 0o1777 },
      { path: "usr/", type: "dir", mode: 0o750, uid: 7, gid: 8, mtime: new Date("2019-01-01T00:00:00Z") },
    ]);
    const upper = buildTar([{ path: "tmp/x", data: "x" }, { path: "usr/bin/y", data: "y" }]);
    await buildTestImage(env.service, "berth-test/implicit:1", [lower, upper]);
    const mounts = await env.service.prepareRootfs("berth-test-implicit", "berth-test/implicit:1");
    const t = await mkdtemp(join(env.root, "mnt-"));
    await mountAll(mounts, t);
    try {
      assert.equal((await lstat(join(t, "tmp"))).mode & 0o7777, 0o1777);
      const usr = await lstat(join(t, "usr"));
      assert.deepEqual([usr.mode & 0o7777, usr.uid, usr.gid], [0o750, 7, 8]);
      assert.equal(usr.mtime.toISOString(), "2019-01-01T00:00:00.000Z");
      assert.equal(await readFile(join(t, "usr/bin/y"), "utf8"), "y");
    } finally {
      await unmountAll(t);
      await rmdir(t);
    }
    await env.service.removeContainerRootfs("berth-test-implicit");
  } finally {
    await env.close();
  }
});
