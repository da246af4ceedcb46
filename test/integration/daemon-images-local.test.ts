/**
 * The image backend's local side through the real docker CLI: images with filters and formats,
 * inspect, history, tag, save | load round trip, import with changes, rmi's conflict texts,
 * prune, and the system backend's info and system df.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { makeTestImage, tarOf } from "../helpers/registry.js";
import { dockerSkip, startImagesDaemon } from "./daemon-images-env.js";
import { skipUnlessRoot } from "./image-testenv.js";

const skip = skipUnlessRoot || dockerSkip || false;

test("images, inspect, history, tag and filters", { skip }, async () => {
  const d = await startImagesDaemon();
  try {
    const a = await makeTestImage(d.env.service.content, [{ "a": "1" }]);
    const b = await makeTestImage(d.env.service.content, [{ "a": "1" }, { "b": "2" }], { cmd: ["/bin/b"] });
    await d.env.service.recordImage(a.manifestDescriptor, ["berth-test/alpha:1"]);
    await d.env.service.recordImage(b.manifestDescriptor, ["berth-test/beta:2"]);

    const ls = await d.docker(["images"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
    assert.match(ls.stdout, new RegExp(`berth-test/beta\\s+2\\s+${b.manifest.config.digest.slice(7, 19)}\\s`));

    const ref = await d.docker(["images", "--filter", "reference=berth-test/al*", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert.equal(ref.stdout.trim(), "berth-test/alpha:1");
    const tag = await d.docker(["tag", "berth-test/alpha:1", "berth-test/alpha:extra"]);
    assert.equal(tag.code, 0, tag.stderr);
    const byRepo = await d.docker(["images", "berth-test/alpha", "--format", "{{.Tag}}"]);
    assert.deepEqual(byRepo.stdout.trim().split("\n").sort(), ["1", "extra"]);
    const bad = await d.docker(["images", "--filter", "colour=red"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid filter 'colour'/);

    const inspect = await d.docker(["image", "inspect", "--format", "{{.Id}} {{json .Config.Cmd}} {{.GraphDriver.Name}} {{len .RootFS.Layers}}", "berth-test/beta:2"]);
    assert.equal(inspect.stdout.trim(), `${b.manifest.config.digest} ["/bin/b"] overlayfs 2`);
    const missing = await d.docker(["image", "inspect", "berth-test/nope"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such image: berth-test\/nope/);

    const hist = await d.docker(["history", "--format", "{{.CreatedBy}}", "berth-test/beta:2"]);
    assert.deepEqual(hist.stdout.trim().split("\n"), ["berth-test layer 1", "berth-test layer 0"]);
    assert.deepEqual(d.events.filter((e) => e.Action === "tag").map((e) => e.attributes.name), ["berth-test/alpha:extra"]);
  } finally {
    await d.close();
  }
});

test("docker save | docker load round trip and docker import", { skip }, async () => {
  const d = await startImagesDaemon();
  try {
    const img = await makeTestImage(d.env.service.content, [{ "etc/hello": "hello" }]);
    await d.env.service.recordImage(img.manifestDescriptor, ["berth-test/roundtrip:1"]);
    const save = await d.docker(["save", "berth-test/roundtrip:1"]);
    assert.equal(save.code, 0, save.stderr);
    assert.ok(save.out.length > 1024);
    const saveMissing = await d.docker(["save", "-o", join(d.home, "x.tar"), "berth-test/none"]);
    assert.notEqual(saveMissing.code, 0);
    assert.match(saveMissing.stderr, /No such image: berth-test\/none/);

    const rmi = await d.docker(["rmi", "berth-test/roundtrip:1"]);
    assert.equal(rmi.code, 0, rmi.stderr);
    assert.equal((await d.docker(["images", "-q"])).stdout, "");
    const load = await d.docker(["load"], save.out);
    assert.equal(load.code, 0, load.stderr);
    assert.equal(load.stdout.trim(), "Loaded image: berth-test/roundtrip:1");
    assert.equal((await d.docker(["images", "-q", "--no-trunc"])).stdout.trim(), img.manifest.config.digest);
    // Loaded layers are unpacked at once, as Docker registers them: the reported size is the unpacked one.
    assert.equal(d.env.service.records.get(img.manifest.config.digest)?.unpackedSize !== undefined, true, "load unpacks the layers");

    const rootfs = gzipSync(await tarOf({ "bin/app": "#!/bin/sh\n", "etc/motd": "hi" }));
    const imp = await d.docker(["import", "-c", "CMD [\"/bin/app\"]", "-c", "ENV A=b", "-m", "berth-test import", "-", "berth-test/imported:v1"], rootfs);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    const ii = await d.docker(["image", "inspect", "--format", "{{json .Config.Cmd}} {{json .Config.Env}} {{.Comment}}", "berth-test/imported:v1"]);
    assert.equal(ii.stdout.trim(), '["/bin/app"] ["A=b"] berth-test import');
    const impId = (await d.docker(["image", "inspect", "--format", "{{.Id}}", "berth-test/imported:v1"])).stdout.trim();
    assert.equal(d.env.service.records.get(impId)?.unpackedSize !== undefined, true, "import unpacks the layer");
    assert.ok(d.events.some((e) => e.Action === "import") && d.events.some((e) => e.Action === "load") && d.events.some((e) => e.Action === "save"));
  } finally {
    await d.close();
  }
});

test("rmi conflicts use Docker's texts; prune removes dangling images only", { skip }, async () => {
  const running = new Set<string>();
  const d = await startImagesDaemon({ running });
  try {
    const img = await makeTestImage(d.env.service.content, [{ "f": "1" }]);
    await d.env.service.recordImage(img.manifestDescriptor, ["berth-test/used:1", "berth-test/used:2"]);
    const id = img.manifest.config.digest;
    const short = id.slice(7, 19);
    const multi = await d.docker(["rmi", short]);
    assert.equal(multi.code, 1);
    assert.match(multi.stderr, new RegExp(`Error response from daemon: conflict: unable to delete ${short} \\(must be forced\\) - image is referenced in multiple repositories`));

    const ctr = "c".repeat(64);
    d.env.service.records.addUser({ containerId: ctr, imageId: id, snapshotKey: `berth-test-${ctr}` });
    const untag = await d.docker(["rmi", "berth-test/used:2"]);
    assert.equal(untag.code, 0, untag.stderr);
    assert.equal(untag.stdout.trim(), "Untagged: berth-test/used:2");
    const last = await d.docker(["rmi", "berth-test/used:1"]);
    assert.equal(last.code, 1);
    assert.match(last.stderr, new RegExp(`conflict: unable to remove repository reference "berth-test/used:1" \\(must force\\) - container cccccccccccc is using its referenced image ${short}`));
    running.add(ctr);
    const forced = await d.docker(["rmi", "-f", short]);
    assert.equal(forced.code, 1);
    assert.match(forced.stderr, new RegExp(`conflict: unable to delete ${short} \\(cannot be forced\\) - image is being used by running container cccccccccccc`));
    running.delete(ctr);
    d.env.service.records.removeUser(ctr);

    const dangling = await makeTestImage(d.env.service.content, [{ "g": "2" }]);
    await d.env.service.recordImage(dangling.manifestDescriptor, []);
    const prune = await d.docker(["image", "prune", "-f"]);
    assert.equal(prune.code, 0, prune.stderr);
    assert.match(prune.stdout, new RegExp(`deleted: ${dangling.manifest.config.digest}`));
    assert.match(prune.stdout, /Total reclaimed space: \d/);
    const left = await d.docker(["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert.equal(left.stdout.trim(), "berth-test/used:1");
    const all = await d.docker(["image", "prune", "-a", "-f"]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /untagged: berth-test\/used:1/);
    assert.equal((await d.docker(["images", "-q"])).stdout, "");
  } finally {
    await d.close();
  }
});

test("docker info and docker system df from the system backend", { skip }, async () => {
  const d = await startImagesDaemon();
  try {
    const img = await makeTestImage(d.env.service.content, [{ "a": "1" }]);
    await d.env.service.recordImage(img.manifestDescriptor, ["berth-test/df:1"]);
    await d.env.service.ensureUnpacked("berth-test/df:1");
    const info = await d.docker(["info"]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /Images: 1\n/);
    assert.match(info.stdout, /Storage Driver: overlayfs\n\s+Backing Filesystem: \S+/);
    assert.match(info.stdout, /Cgroup Driver: cgroupfs\n\s+Cgroup Version: [12]/);
    assert.match(info.stdout, /Default Runtime: berth/);
    assert.match(info.stdout, /Docker Root Dir: /);
    const id = await d.docker(["info", "--format", "{{.ID}} {{.DockerRootDir}} {{json .SecurityOptions}} {{.Runtimes.berth.Path}}"]);
    const [engineId, root, sec, runtime] = id.stdout.trim().split(" ");
    assert.match(engineId!, /^[0-9a-f-]{36}$/);
    assert.equal(root, d.env.root);
    assert.match(sec!, /name=seccomp,profile=builtin/);
    assert.equal(runtime, "/usr/local/libexec/berth/berth-shim");
    assert.ok(existsSync(join(d.env.root, "engine-id")));
    assert.equal(readFileSync(join(d.env.root, "engine-id"), "utf8").trim(), engineId);
    const again = await d.docker(["info", "--format", "{{.ID}}"]);
    assert.equal(again.stdout.trim(), engineId, "the ID is persistent");

    const df = await d.docker(["system", "df"]);
    assert.equal(df.code, 0, df.stderr);
    assert.match(df.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\n/);
    assert.match(df.stdout, /\nImages\s+1\s+0\s+\S+\s+\S+ \(100%\)\n/);
    assert.match(df.stdout, /\nContainers\s+0\s+0\s+0B\s+0B\n/);
    const v = await d.docker(["system", "df", "-v", "--format", "{{json .}}"]);
    assert.equal(v.code, 0, v.stderr);
  } finally {
    await d.close();
  }
});
