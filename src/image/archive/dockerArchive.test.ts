import { test, after } from "node:test";
import { strict as assert } from "node:assert";
import { PassThrough } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { FsContentStore } from "../content/FsContentStore.js";
import { isEngineError } from "../../errors/EngineError.js";
import { TarWriter } from "./tarWriter.js";
import { loadDockerArchive } from "./dockerLoad.js";
import { saveDockerArchive } from "./dockerSave.js";
import { readTar } from "../unpack/tarReader.js";
import { importRootfs } from "./rootfsImport.js";
import { makeTestImage, tarOf } from "../../../test/helpers/registry.js";

const dirs: string[] = [];
after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });
async function store(): Promise<FsContentStore> {
  const d = await mkdtemp(join(tmpdir(), "berth-test-archive-"));
  dirs.push(d);
  return new FsContentStore(d);
}
const sha = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");
const hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function* once(b: Buffer): AsyncGenerator<Uint8Array> { yield b; }

async function collect(f: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on("data", (c) => parts.push(c));
  await f(out);
  out.end();
  return Buffer.concat(parts);
}

/** A legacy (Docker < 25) save: <id>/layer.tar dirs, <hex>.json config, a symlinked duplicate layer. */
async function legacyArchive(opts: { breakJson?: boolean; dropLayer?: boolean } = {}) {
  const l1 = await tarOf({ "etc/one": "1" });
  const l2 = await tarOf({ "etc/two": "2" });
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["sh"] }, rootfs: { type: "layers", diff_ids: [sha(l1), sha(l2), sha(l1)] } }));
  const tar = await collect(async (out) => {
    const w = new TarWriter(out);
    await w.directory("aaa");
    if (!opts.dropLayer) await w.file("aaa/layer.tar", l1);
    await w.file("aaa/json", Buffer.from("{}"));
    await w.file("aaa/VERSION", Buffer.from("1.0"));
    await w.directory("bbb");
    await w.file("bbb/layer.tar", l2);
    await w.file(`${hex(config)}.json`, config);
    await w.file("manifest.json", Buffer.from(opts.breakJson ? "[{" : JSON.stringify([{ Config: `${hex(config)}.json`, RepoTags: ["berth-test/legacy:1", "example.com/x/y:2"], Layers: ["aaa/layer.tar", "bbb/layer.tar", "ccc/layer.tar"] }])));
    await w.finish();
  });
  // ccc/layer.tar is a symlink to ../aaa/layer.tar, as Docker writes for a repeated layer:
  // written by hand because TarWriter only makes files and directories.
  const link = Buffer.alloc(512);
  link.write("ccc/layer.tar", 0);
  link.write("0000777\0", 100); link.write("0000000\0", 108); link.write("0000000\0", 116);
  link.write("00000000000\0", 124); link.write("00000000000\0", 136);
  link.write("2", 156); link.write("../aaa/layer.tar", 157); link.write("ustar\x0000", 257);
  link.fill(" ", 148, 156);
  let sum = 0; for (const b of link) sum += b;
  link.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  const body = tar.subarray(0, tar.length - 1024);
  return { tar: Buffer.concat([body, link, Buffer.alloc(1024)]), l1, l2, config };
}

test("docker load of a legacy archive (gzip-compressed, symlinked layer) synthesizes a Docker v2 manifest", async () => {
  const s = await store();
  const { tar, l1, l2, config } = await legacyArchive();
  const loaded = await loadDockerArchive(once(gzipSync(tar)), s);
  assert.equal(loaded.length, 1);
  assert.deepEqual(loaded[0]!.names, ["berth-test/legacy:1", "example.com/x/y:2"]);
  const m = JSON.parse((await s.readBlob(loaded[0]!.manifestDescriptor.digest)).toString());
  assert.equal(m.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
  assert.equal(m.config.digest, sha(config));
  assert.deepEqual(m.layers.map((l: { digest: string }) => l.digest), [sha(l1), sha(l2), sha(l1)]);
  assert.ok(m.layers.every((l: { mediaType: string }) => l.mediaType === "application/vnd.docker.image.rootfs.diff.tar"));
  assert.deepEqual(await s.readBlob(sha(l2)), l2);
});

test("docker load: bad JSON, a missing layer and truncation are InvalidArgument", async () => {
  const bad = await legacyArchive({ breakJson: true });
  await assert.rejects(loadDockerArchive(once(bad.tar), await store()), (e: unknown) => isEngineError(e, "InvalidArgument") && /manifest\.json is not valid JSON/.test((e as Error).message));
  const missing = await legacyArchive({ dropLayer: true });
  await assert.rejects(loadDockerArchive(once(missing.tar), await store()), (e: unknown) => isEngineError(e, "InvalidArgument") && /aaa\/layer\.tar|ccc\/layer\.tar/.test((e as Error).message));
  const ok = await legacyArchive();
  for (const cut of [700, Math.floor(ok.tar.length / 2), ok.tar.length - 1500]) {
    await assert.rejects(loadDockerArchive(once(ok.tar.subarray(0, cut)), await store()), (e: unknown) => isEngineError(e, "InvalidArgument"), `cut at ${cut}`);
  }
  await assert.rejects(loadDockerArchive(once(gzipSync(ok.tar).subarray(0, 300)), await store()), (e: unknown) => isEngineError(e, "InvalidArgument"));
  await assert.rejects(loadDockerArchive(once(Buffer.from("not a tar at all")), await store()), (e: unknown) => isEngineError(e, "InvalidArgument"));
});

test("docker save writes Docker 25's layout with plain layers; load of it restores the image", async () => {
  const src = await store();
  const img = await makeTestImage(src, [{ "etc/a": "a" }, { "etc/b": "b".repeat(10_000) }]); // gzip layers
  const archive = await collect((out) => saveDockerArchive(src, [{ names: ["berth-test/saved:1", "docker.io/library/busy:latest"], manifestDigest: img.manifestDescriptor.digest }], out));
  const names: string[] = [];
  const files = new Map<string, Buffer>();
  for await (const { entry: e, body } of readTar(once(archive))) {
    names.push(e.path);
    const parts: Buffer[] = [];
    for await (const c of body) parts.push(c);
    files.set(e.path, Buffer.concat(parts));
  }
  for (const f of ["index.json", "manifest.json", "oci-layout", "repositories"]) assert.ok(files.has(f), f);
  const mj = JSON.parse(files.get("manifest.json")!.toString());
  assert.deepEqual(mj[0].RepoTags, ["berth-test/saved:1", "busy:latest"]);
  assert.deepEqual(mj[0].Layers, img.config.rootfs.diff_ids.map((d) => `blobs/sha256/${d.slice(7)}`));
  const repos = JSON.parse(files.get("repositories")!.toString());
  assert.equal(repos.busy.latest, img.config.rootfs.diff_ids[1]!.slice(7));
  const index = JSON.parse(files.get("index.json")!.toString());
  assert.equal(index.manifests.length, 2);
  assert.equal(index.manifests[1].annotations["io.containerd.image.name"], "docker.io/library/busy:latest");
  assert.equal(index.manifests[1].annotations["org.opencontainers.image.ref.name"], "latest");

  const dst = await store();
  const loaded = await loadDockerArchive(once(archive), dst);
  assert.deepEqual(loaded.map((l) => l.names), [["berth-test/saved:1", "busy:latest"]]);
  // The archive's own manifest (plain layers) is reused, so a second save→load is stable.
  assert.equal(loaded[0]!.manifestDescriptor.digest, index.manifests[0].digest);
  const m = JSON.parse((await dst.readBlob(loaded[0]!.manifestDescriptor.digest)).toString());
  assert.equal(m.config.digest, img.manifest.config.digest);
  assert.deepEqual(m.layers.map((l: { digest: string }) => l.digest), img.config.rootfs.diff_ids);
  const again = await collect((out) => saveDockerArchive(dst, [{ names: ["berth-test/saved:1"], manifestDigest: loaded[0]!.manifestDescriptor.digest }], out));
  const reloaded = await loadDockerArchive(once(again), await store());
  assert.equal(reloaded[0]!.manifestDescriptor.digest, loaded[0]!.manifestDescriptor.digest);
});

test("docker import makes a one-layer image from a rootfs tar, with --change applied", async () => {
  const s = await store();
  const rootfs = await tarOf({ "bin/sh": "#!", "etc/os-release": "ID=berth-test\n" });
  const r = await importRootfs(once(gzipSync(rootfs)), s, { changes: ["CMD [\"/bin/sh\"]", "ENV A=b", "WORKDIR /srv"], message: "berth-test import", created: "2026-01-01T00:00:00Z" });
  assert.equal(r.layer.digest, sha(rootfs));
  assert.deepEqual(r.config.rootfs.diff_ids, [sha(rootfs)]);
  assert.deepEqual(r.config.config, { Cmd: ["/bin/sh"], Env: ["A=b"], WorkingDir: "/srv" });
  assert.equal(r.config.history![0]!.comment, "berth-test import");
  const m = JSON.parse((await s.readBlob(r.manifestDescriptor.digest)).toString());
  assert.equal(m.layers[0].digest, sha(rootfs));
  await assert.rejects(importRootfs(once(Buffer.from("definitely not a tar, just some text")), await store()), (e: unknown) => isEngineError(e, "InvalidArgument") && /import rootfs: not a valid tar/.test((e as Error).message));
  await assert.rejects(importRootfs(once(rootfs.subarray(0, 700)), await store()), (e: unknown) => isEngineError(e, "InvalidArgument"));
  await assert.rejects(importRootfs(once(rootfs), await store(), { changes: ["RUN rm -rf /"] }), (e: unknown) => isEngineError(e, "InvalidArgument"));
});
