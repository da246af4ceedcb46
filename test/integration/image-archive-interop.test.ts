import { test, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { PassThrough } from "node:stream";
import { FsContentStore } from "../../src/image/content/FsContentStore.js";
import { exportOciLayout } from "../../src/image/archive/ociExport.js";
import { dirTarget, tarTarget } from "../../src/image/archive/layoutTarget.js";
import { importOciLayoutDir, importOciLayoutTar } from "../../src/image/archive/ociLayout.js";
import { loadDockerArchive } from "../../src/image/archive/dockerLoad.js";
import { saveDockerArchive } from "../../src/image/archive/dockerSave.js";
import { parseImageConfig } from "../../src/image/imageConfig.js";
import { parseManifest } from "../../src/image/manifest.js";
import { makeTestImage } from "../helpers/registry.js";

/** Interoperability of berth's archives with skopeo and umoci (Debian packages). */
const skip = !existsSync("/usr/bin/skopeo") ? "skopeo is not installed (apt-get install skopeo)" : undefined;
const skipUmoci = skip ?? (!existsSync("/usr/bin/umoci") ? "umoci is not installed (apt-get install umoci)" : undefined);
const dirs: string[] = [];
after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "berth-test-archive-interop-"));
  dirs.push(d);
  return d;
}
function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function diffIdsOf(store: FsContentStore, manifestDigest: string): Promise<string[]> {
  const m = parseManifest(await store.readBlob(manifestDigest));
  return parseImageConfig(await store.readBlob(m.config.digest)).rootfs.diff_ids;
}

test("skopeo copies an OCI layout berth exported (dir and tar) to docker-archive and oci; berth loads both back", { skip }, async () => {
  const w = await tmp();
  const src = new FsContentStore(join(w, "src"));
  const img = await makeTestImage(src, [{ "etc/one": "1\n" }, { "usr/bin/two": Buffer.alloc(70_000, 2) }]);
  const layout = join(w, "layout");
  await exportOciLayout(src, [{ names: ["berth-test/interop:v1"], manifestDigest: img.manifestDescriptor.digest }], dirTarget(layout));
  const inspect = JSON.parse(run("skopeo", ["inspect", `oci:${layout}:v1`]));
  assert.equal(inspect.Digest, img.manifestDescriptor.digest);

  // oci → docker-archive (skopeo decompresses layers); berth loads it.
  const dockerArchive = join(w, "img.tar");
  run("skopeo", ["copy", "-q", `oci:${layout}:v1`, `docker-archive:${dockerArchive}:berth-test/interop:v1`]);
  const dst = new FsContentStore(join(w, "dst"));
  const loaded = await loadDockerArchive(createReadStream(dockerArchive), dst);
  assert.equal(loaded.length, 1);
  assert.deepEqual(loaded[0]!.names, ["docker.io/berth-test/interop:v1"]); // skopeo writes full names
  assert.deepEqual(await diffIdsOf(dst, loaded[0]!.manifestDescriptor.digest), img.config.rootfs.diff_ids);

  // oci → oci keeps the manifest; berth imports the copy with its ref name.
  const copy = join(w, "copy");
  run("skopeo", ["copy", "-q", `oci:${layout}:v1`, `oci:${copy}:copied`]);
  const dst2 = new FsContentStore(join(w, "dst2"));
  const imported = await importOciLayoutDir(copy, dst2);
  assert.equal(imported.length, 1);
  assert.equal(imported[0]!.refName, "copied");
  assert.equal(imported[0]!.manifestDescriptor.digest, img.manifestDescriptor.digest);
  for (const l of img.manifest.layers) assert.ok(await dst2.has(l.digest));

  // The tar form: berth writes it, GNU tar extracts it, skopeo reads the result.
  const layoutTar = join(w, "layout.tar");
  const out = createWriteStream(layoutTar);
  await exportOciLayout(src, [{ names: ["berth-test/interop:v2"], manifestDigest: img.manifestDescriptor.digest }], tarTarget(out));
  await new Promise<void>((r, j) => out.end((e?: Error) => (e ? j(e) : r())));
  const extracted = join(w, "extracted");
  run("mkdir", ["-p", extracted]);
  run("tar", ["-C", extracted, "-xf", layoutTar]);
  assert.equal(JSON.parse(run("skopeo", ["inspect", `oci:${extracted}:v2`])).Digest, img.manifestDescriptor.digest);
  const dst3 = new FsContentStore(join(w, "dst3"));
  const fromTar = await importOciLayoutTar(createReadStream(layoutTar), dst3);
  assert.deepEqual(fromTar[0]!.names, ["docker.io/berth-test/interop:v2"]);
  assert.equal(fromTar[0]!.refName, "v2");
});

test("skopeo reads berth's docker save archive, and berth loads what skopeo made from it", { skip }, async () => {
  const w = await tmp();
  const src = new FsContentStore(join(w, "src"));
  const img = await makeTestImage(src, [{ "a": "a" }, { "b": "b" }, { "c": "c" }]);
  const archive = join(w, "saved.tar");
  const out = createWriteStream(archive);
  await saveDockerArchive(src, [{ names: ["berth-test/saved:1"], manifestDigest: img.manifestDescriptor.digest }], out);
  await new Promise<void>((r, j) => out.end((e?: Error) => (e ? j(e) : r())));
  const info = JSON.parse(run("skopeo", ["inspect", `docker-archive:${archive}`]));
  assert.equal(info.Layers.length, 3);
  const oci = join(w, "oci");
  // Selecting the image by its RepoTag shows skopeo reads berth's manifest.json names.
  run("skopeo", ["copy", "-q", `docker-archive:${archive}:berth-test/saved:1`, `oci:${oci}:latest`]);
  const dst = new FsContentStore(join(w, "dst"));
  const imported = await importOciLayoutDir(oci, dst);
  assert.equal(imported[0]!.refName, "latest");
  assert.deepEqual(await diffIdsOf(dst, imported[0]!.manifestDescriptor.digest), img.config.rootfs.diff_ids);
});

test("berth imports an OCI layout made by umoci init/new/repack", { skip: skipUmoci }, async () => {
  const w = await tmp();
  const layout = join(w, "umoci");
  run("umoci", ["init", "--layout", layout]);
  run("umoci", ["new", "--image", `${layout}:berth-test`]);
  const bundle = join(w, "bundle");
  run("umoci", ["unpack", "--image", `${layout}:berth-test`, bundle]);
  await writeFile(join(bundle, "rootfs", "hello.txt"), "from umoci\n");
  run("umoci", ["repack", "--image", `${layout}:berth-test`, bundle]);
  run("umoci", ["config", "--image", `${layout}:berth-test`, "--config.cmd", "/hello"]);
  const store = new FsContentStore(join(w, "store"));
  const imported = await importOciLayoutDir(layout, store);
  const mine = imported.find((i) => i.refName === "berth-test");
  assert.ok(mine, JSON.stringify(imported));
  const m = parseManifest(await store.readBlob(mine.manifestDescriptor.digest));
  assert.equal(m.layers.length, 1);
  const cfg = parseImageConfig(await store.readBlob(m.config.digest));
  assert.deepEqual(cfg.config?.Cmd, ["/hello"]);
  // The layer holds the file umoci packed.
  const listing = run("tar", ["-tzf", store.blobPath(m.layers[0]!.digest)]);
  assert.match(listing, /hello\.txt/);

  // The same layout as a tar stream.
  const tarPath = join(w, "umoci.tar");
  run("tar", ["-C", layout, "-cf", tarPath, "."]);
  const store2 = new FsContentStore(join(w, "store2"));
  const fromTar = await importOciLayoutTar(createReadStream(tarPath), store2);
  assert.equal(fromTar.find((i) => i.refName === "berth-test")?.manifestDescriptor.digest, mine.manifestDescriptor.digest);
  void readFile; void pipeline; void PassThrough;
});

test("a truncated docker archive from skopeo is refused", { skip }, async () => {
  const w = await tmp();
  const src = new FsContentStore(join(w, "src"));
  const img = await makeTestImage(src, [{ "x": Buffer.alloc(100_000, 9) }]);
  const layout = join(w, "layout");
  await exportOciLayout(src, [{ names: ["berth-test/t:1"], manifestDigest: img.manifestDescriptor.digest }], dirTarget(layout));
  const archive = join(w, "a.tar");
  run("skopeo", ["copy", "-q", `oci:${layout}:1`, `docker-archive:${archive}:berth-test/t:1`]);
  const full = await readFile(archive);
  await assert.rejects(loadDockerArchive((async function* () { yield full.subarray(0, Math.floor(full.length * 0.6)); })(), new FsContentStore(join(w, "dst"))), (e: unknown) => (e as { kind?: string }).kind === "InvalidArgument");
});
