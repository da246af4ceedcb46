import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, readFile, readlink, rmdir, writeFile, lstat, unlink, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ensureDefaultImage, DEFAULT_IMAGE_NAME } from "../../src/image/defaultImage.js";
import { mountAll, unmountAll } from "../../src/image/snapshot/mountAll.js";
import { mountsUnder, openImageTestEnv, skipUnlessRoot } from "./image-testenv.js";

test("default image: built deterministically, unpacked, mounted as a container rootfs", { skip: skipUnlessRoot }, async () => {
  const a = await openImageTestEnv("rootfs");
  const b = await openImageTestEnv("rootfs");
  try {
    const img = await ensureDefaultImage(a.service);
    const again = await ensureDefaultImage(a.service);
    assert.equal(again.id, img.id, "idempotent");
    const other = await ensureDefaultImage(b.service);
    assert.equal(other.id, img.id, "same image ID from the same binary");
    assert.equal(other.manifestDigest, img.manifestDigest, "same manifest digest");
    assert.deepEqual(img.names, [DEFAULT_IMAGE_NAME]);
    assert.equal(a.service.resolve("busybox").id, img.id);
    assert.equal(a.service.resolve(img.id.slice(7, 19)).id, img.id);

    const inspect = await a.service.inspect("busybox:latest");
    assert.deepEqual(inspect.RepoTags, ["busybox:latest"]);
    assert.deepEqual(inspect.Config.Cmd, ["sh"]);
    assert.equal(inspect.Os, "linux");
    assert.equal(inspect.RootFS.Layers.length, 1);

    const mounts = await a.service.prepareRootfs("berth-test-c1", "busybox");
    const target = await mkdtemp(join(a.root, "mnt-"));
    await mountAll(mounts, target);
    try {
      assert.match(await readFile(join(target, "etc/passwd"), "utf8"), /^root:x:0:0:/);
      assert.equal(await readlink(join(target, "bin/sh")), "busybox");
      assert.equal((await lstat(join(target, "tmp"))).mode & 0o7777, 0o1777);
      await writeFile(join(target, "etc/hello"), "from the container\n");
      await unlink(join(target, "etc/group"));
      await mkdir(join(target, "data"));
      await writeFile(join(target, "data/x"), "x");
    } finally {
      await unmountAll(target);
      await rmdir(target);
    }
    const upper = await a.service.containerUpperDir("berth-test-c1");
    assert.equal(await readFile(join(upper, "etc/hello"), "utf8"), "from the container\n");
    const wh = await lstat(join(upper, "etc/group"));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, "deleting a lower file leaves an overlay whiteout");

    // commit → new image with two layers; its rootfs shows the change and the deletion
    const committed = await a.service.commitContainer("berth-test-c1", { reference: "berth-test/committed:1", comment: "test commit" });
    assert.deepEqual(committed.names, ["docker.io/berth-test/committed:1"]);
    const ci = await a.service.inspect("berth-test/committed:1");
    assert.equal(ci.RootFS.Layers.length, 2);
    assert.equal(ci.RootFS.Layers[0], inspect.RootFS.Layers[0]);
    const hist = await a.service.history("berth-test/committed:1");
    assert.deepEqual(hist.map((h) => [h.Id, h.Comment]), [[committed.id, "test commit"], ["<missing>", "embedded default image"]]);
    assert.deepEqual(hist[0]!.Tags, ["berth-test/committed:1"]);
    assert.ok(hist[0]!.Size > 0 && hist[1]!.Size > 1_000_000, JSON.stringify(hist));
    assert.ok((await a.service.containerSize("berth-test-c1")) > 0);
    const m2 = await a.service.prepareRootfs("berth-test-c2", "berth-test/committed:1");
    const t2 = await mkdtemp(join(a.root, "mnt-"));
    await mountAll(m2, t2);
    try {
      assert.equal(await readFile(join(t2, "etc/hello"), "utf8"), "from the container\n");
      assert.equal(await readFile(join(t2, "data/x"), "utf8"), "x");
      await assert.rejects(lstat(join(t2, "etc/group")), { code: "ENOENT" });
      assert.match(await readFile(join(t2, "etc/passwd"), "utf8"), /^root/);
    } finally {
      await unmountAll(t2);
      await rmdir(t2);
    }
    // export the merged view of container 1
    let tarBytes = 0;
    const names: string[] = [];
    const { readTar } = await import("../../src/image/unpack/tarReader.js");
    const chunks: Buffer[] = [];
    for await (const c of a.service.exportContainer("berth-test-c1")) {
      tarBytes += c.length;
      chunks.push(c);
    }
    for await (const { entry } of readTar((async function* () { yield Buffer.concat(chunks); })())) names.push(entry.path);
    assert.ok(tarBytes > 1_000_000);
    assert.ok(names.includes("etc/hello") && names.includes("bin/busybox") && !names.includes("etc/group"), names.slice(0, 20).join(","));
    assert.deepEqual(await mountsUnder(a.root), [], "export unmounted");

    await a.service.removeContainerRootfs("berth-test-c1");
    await a.service.removeContainerRootfs("berth-test-c2");
    await a.service.removeContainerRootfs("berth-test-c2");
  } finally {
    await a.close();
    await b.close();
  }
});

test("mount failures and abandoned exports leave no mount and no temp dir", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("rootfs");
  try {
    const { isEngineError } = await import("../../src/errors/EngineError.js");
    const { readdir } = await import("node:fs/promises");
    const target = await mkdtemp(join(env.root, "mnt-"));
    await assert.rejects(mountAll([{ type: "overlay", source: "overlay", options: [`lowerdir=${join(env.root, "does-not-exist")}`] }], target), (e) => isEngineError(e, "Internal") && /mount rootfs/.test(e.message));
    assert.deepEqual(await mountsUnder(env.root), []);
    await rmdir(target);
    await ensureDefaultImage(env.service);
    await env.service.prepareRootfs("berth-test-abandon", "busybox");
    const it = env.service.exportContainer("berth-test-abandon");
    const first = await it.next();
    assert.equal(first.done, false);
    assert.equal((await mountsUnder(env.root)).length, 1, "mounted while the export is read");
    await it.return(undefined);
    assert.deepEqual(await mountsUnder(env.root), [], "unmounted when abandoned");
    assert.deepEqual(await readdir(join(env.root, "tmp")), [], "export temp dir removed");
    await env.service.removeContainerRootfs("berth-test-abandon");
  } finally {
    await env.close();
  }
});

test("open() clears crash leftovers: extraction snapshots, orphan dirs, temp blobs", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("rootfs");
  try {
    const { ImageService } = await import("../../src/image/ImageService.js");
    const { readdir } = await import("node:fs/promises");
    await env.service.snapshotter.prepare("extract-deadbeef-sha256:x");
    await mkdir(join(env.root, "snapshots", "999", "fs"), { recursive: true });
    await mkdir(join(env.root, "content", "ingest"), { recursive: true });
    await writeFile(join(env.root, "content", "ingest", "tmp-abc"), "partial");
    const reopened = await ImageService.open({ root: env.root, db: env.db });
    assert.deepEqual(await reopened.snapshotter.list(), []);
    assert.deepEqual(await readdir(join(env.root, "snapshots")), []);
    assert.deepEqual(await readdir(join(env.root, "content", "ingest")), []);
  } finally {
    await env.close();
  }
});
