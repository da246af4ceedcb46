import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { FsContentStore } from "../../src/image/content/FsContentStore.js";
import { saveDockerArchive } from "../../src/image/archive/dockerSave.js";
import { loadDockerArchive } from "../../src/image/archive/dockerLoad.js";
import { importRootfs } from "../../src/image/archive/rootfsImport.js";
import { parseManifest } from "../../src/image/manifest.js";
import { parseImageConfig } from "../../src/image/imageConfig.js";
import { dockerdSkipReason, makeTestImage, startTestDockerd, tarOf, type TestDockerd } from "../helpers/registry.js";

/** Real Docker (Debian's dockerd on a private socket) as the oracle for berth's archives. */
const skip = dockerdSkipReason();
const suffix = randomBytes(4).toString("hex");
let dockerd: TestDockerd;
let work: string;

before(async () => {
  if (skip) return;
  dockerd = await startTestDockerd();
  work = await mkdtemp(join(tmpdir(), "berth-test-archive-docker-"));
});
after(async () => {
  if (skip) return;
  await dockerd?.stop();
  await rm(work, { recursive: true, force: true });
});

async function collect(f: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on("data", (c) => parts.push(c));
  await f(out);
  out.end();
  return Buffer.concat(parts);
}
async function* once(b: Buffer): AsyncGenerator<Uint8Array> { yield b; }

test("docker load accepts berth's save archive, with names and layers intact", { skip }, async () => {
  const store = new FsContentStore(join(work, "a"));
  const img = await makeTestImage(store, [{ "etc/one": "1\n" }, { "etc/two": "2\n" }]);
  const name = `berth-test/saved-${suffix}:1`;
  const archive = await collect((out) => saveDockerArchive(store, [{ names: [name], manifestDigest: img.manifestDescriptor.digest }], out));
  const outText = dockerd.docker(["load"], archive);
  assert.match(outText, new RegExp(`Loaded image: ${name.replace(/[/.]/g, "\\$&")}`));
  const inspect = JSON.parse(dockerd.docker(["image", "inspect", name]))[0];
  assert.deepEqual(inspect.RootFS.Layers, img.config.rootfs.diff_ids);
  assert.equal(inspect.Id, img.manifest.config.digest);
  dockerd.docker(["rmi", name]);
});

test("berth loads what docker save writes", { skip }, async () => {
  // An image made by docker import (from a tar berth wrote), then saved by Docker.
  const name = `berth-test/dsave-${suffix}:2`;
  dockerd.docker(["import", "--change", "CMD [\"/x\"]", "-", name], await tarOf({ "x": "#!/bin/sh\n", "etc/y": "y" }));
  const raw = spawnSync("docker", ["-H", `unix://${dockerd.sock}`, "save", name], { maxBuffer: 1 << 26 }); // binary stdout
  assert.equal(raw.status, 0, raw.stderr?.toString());
  const store = new FsContentStore(join(work, "b"));
  const loaded = await loadDockerArchive(once(raw.stdout), store);
  assert.deepEqual(loaded.map((l) => l.names), [[name]]);
  const m = parseManifest(await store.readBlob(loaded[0]!.manifestDescriptor.digest));
  const cfg = parseImageConfig(await store.readBlob(m.config.digest));
  assert.deepEqual(cfg.config?.Cmd, ["/x"]);
  const inspect = JSON.parse(dockerd.docker(["image", "inspect", name]))[0];
  assert.equal(m.config.digest, inspect.Id);
  assert.deepEqual(cfg.rootfs.diff_ids, inspect.RootFS.Layers);
  dockerd.docker(["rmi", name]);
});

test("berth's docker import matches Docker's layer for the same rootfs tar", { skip }, async () => {
  const tar = await tarOf({ "bin/tool": randomBytes(1000), "etc/conf": "k=v\n" });
  const name = `berth-test/imp-${suffix}:1`;
  dockerd.docker(["import", "-", name], tar);
  const inspect = JSON.parse(dockerd.docker(["image", "inspect", name]))[0];
  const r = await importRootfs(once(tar), new FsContentStore(join(work, "c")));
  assert.deepEqual(r.config.rootfs.diff_ids, inspect.RootFS.Layers);
  dockerd.docker(["rmi", name]);
});
