import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rmdir } from "node:fs/promises";
import { PassThrough } from "node:stream";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { ensureDefaultImage } from "../../src/image/defaultImage.js";
import { mountAll, unmountAll } from "../../src/image/snapshot/mountAll.js";
import { registrySkipReason, startRegistry } from "../helpers/registry.js";
import { buildTar, once, openImageTestEnv, skipUnlessRoot, type ImageTestEnv } from "./image-testenv.js";

async function readThroughRootfs(env: ImageTestEnv, containerId: string, image: string, path: string): Promise<string> {
  const mounts = await env.service.prepareRootfs(containerId, image);
  const t = await mkdtemp(join(env.root, "mnt-"));
  try {
    await mountAll(mounts, t);
    try {
      return await readFile(join(t, path), "utf8");
    } finally {
      await unmountAll(t);
    }
  } finally {
    await rmdir(t);
    await env.service.removeContainerRootfs(containerId);
  }
}

test("ImageService: save → load into a fresh root keeps the image ID and runs", { skip: skipUnlessRoot }, async () => {
  const a = await openImageTestEnv("xfer");
  const b = await openImageTestEnv("xfer");
  try {
    const img = await ensureDefaultImage(a.service);
    await a.service.tag("busybox", "berth-test/saved:1");
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (c: Buffer) => chunks.push(c));
    await a.service.save(["berth-test/saved:1"], out);
    out.end();
    const loaded = await b.service.load(once(Buffer.concat(chunks)));
    assert.equal(loaded.length, 1);
    assert.equal(loaded[0]!.image.id, img.id);
    assert.deepEqual((await b.service.inspect("berth-test/saved:1")).RepoTags, ["berth-test/saved:1"]);
    assert.match(await readThroughRootfs(b, "berth-test-load", "berth-test/saved:1", "etc/passwd"), /^root:/);
  } finally {
    await a.close();
    await b.close();
  }
});

test("ImageService: import a rootfs tar with changes", { skip: skipUnlessRoot }, async () => {
  const env = await openImageTestEnv("xfer");
  try {
    const rec = await env.service.importRootfs(once(buildTar([{ path: "etc/", type: "dir" }, { path: "etc/os-release", data: "ID=berth-test\n" }])), { reference: "berth-test/imported:1", changes: ['CMD ["/bin/true"]'] });
    const info = await env.service.inspect("berth-test/imported:1");
    assert.equal(info.Id, rec.id);
    assert.deepEqual(info.Config.Cmd, ["/bin/true"]);
    assert.equal(await readThroughRootfs(env, "berth-test-import", "berth-test/imported:1", "etc/os-release"), "ID=berth-test\n");
  } finally {
    await env.close();
  }
});

const registrySkip = skipUnlessRoot || registrySkipReason() || false;

test("ImageService: push to a loopback registry, pull into a fresh root, run", { skip: registrySkip }, async () => {
  const reg = await startRegistry();
  const a = await openImageTestEnv("xfer");
  const b = await openImageTestEnv("xfer");
  try {
    const img = await ensureDefaultImage(a.service);
    const name = `${reg.host}/berth-test/busybox-${randomBytes(3).toString("hex")}:1`;
    await a.service.tag("busybox", name);
    const pushed = await a.service.push(name);
    assert.equal(pushed.digest, img.manifestDigest);
    const pulled = await b.service.pull(name);
    assert.equal(pulled.id, img.id);
    const info = await b.service.inspect(name);
    assert.equal(info.RepoDigests.length, 1);
    assert.ok(info.RepoDigests[0]!.endsWith(`@${img.manifestDigest}`));
    assert.equal(b.service.resolve(info.RepoDigests[0]!).id, img.id);
    assert.ok((await b.service.snapshotter.list()).length === 1, "pull unpacks");
    assert.match(await readThroughRootfs(b, "berth-test-pull", name, "etc/group"), /^root:x:0:/);
  } finally {
    await a.close();
    await b.close();
    await reg.stop();
  }
});
