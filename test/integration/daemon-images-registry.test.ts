/**
 * The image backend's registry side through the real docker CLI: push to and pull from a
 * loopback registry with Docker's progress lines, "up to date" on a second pull, pull errors,
 * and `docker login` (POST /auth) against a registry with Basic auth, good and bad passwords.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { DockerClient } from "../../src/client/DockerClient.js";
import { makeTestImage, registrySkipReason, startRegistry } from "../helpers/registry.js";
import { dockerSkip, startImagesDaemon } from "./daemon-images-env.js";
import { skipUnlessRoot } from "./image-testenv.js";

const skip = skipUnlessRoot || dockerSkip || registrySkipReason() || false;

test("docker push and docker pull through berth's image backend, with Docker's progress", { skip }, async () => {
  const reg = await startRegistry();
  const d = await startImagesDaemon();
  try {
    const img = await makeTestImage(d.env.service.content, [{ "etc/berth-test": "one" }, { "bin/tool": "two" }]);
    const name = `${reg.host}/berth-test/app:1`;
    await d.env.service.recordImage(img.manifestDescriptor, [name]);

    const push = await d.docker(["push", name]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, new RegExp(`The push refers to repository \\[${reg.host}/berth-test/app\\]`));
    // Docker's lines: one per layer, by its diff ID's short id; none for the config blob.
    for (const d of img.config.rootfs.diff_ids) assert.match(push.stdout, new RegExp(`^${d.slice(7, 19)}: Pushed$`, "m"));
    assert.equal(push.stdout.match(/: Pushed$/gm)?.length, img.manifest.layers.length, push.stdout);
    assert.ok(!push.stdout.includes(img.manifest.config.digest.slice(7, 19)), push.stdout);
    assert.match(push.stdout, new RegExp(`^1: digest: ${img.manifestDescriptor.digest} size: ${img.manifestBytes.length}$`, "m"));

    const rmi = await d.docker(["rmi", name]);
    assert.equal(rmi.code, 0, rmi.stderr);
    assert.match(rmi.stdout, new RegExp(`^Untagged: ${name}$`, "m"));
    assert.match(rmi.stdout, new RegExp(`^Deleted: ${img.manifest.config.digest}$`, "m"));

    const pull = await d.docker(["pull", name]);
    assert.equal(pull.code, 0, pull.stderr);
    const lines = pull.stdout.trim().split("\n");
    assert.equal(lines[0], "1: Pulling from berth-test/app");
    for (const l of img.manifest.layers) {
      const id = l.digest.slice(7, 19);
      assert.ok(lines.includes(`${id}: Pulling fs layer`), pull.stdout);
      assert.ok(lines.includes(`${id}: Download complete`), pull.stdout);
      assert.ok(lines.includes(`${id}: Pull complete`), pull.stdout);
    }
    assert.ok(lines.includes(`Digest: ${img.manifestDescriptor.digest}`), pull.stdout);
    // Docker's order: every layer complete (unpacked), then the digest.
    const digestAt = lines.indexOf(`Digest: ${img.manifestDescriptor.digest}`);
    assert.ok(lines.every((l, i) => !l.endsWith(": Pull complete") || i < digestAt), pull.stdout);
    assert.ok(lines.includes(`Status: Downloaded newer image for ${name}`), pull.stdout);
    assert.equal(lines.at(-1), name);
    // Unpacked by the pull itself: the size is the unpacked one, not the sum of the gzip blobs.
    const size = Number((await d.docker(["image", "inspect", "-f", "{{.Size}}", name])).stdout.trim());
    const packed = img.manifest.layers.reduce((n, l) => n + l.size, 0);
    assert.ok(size > packed, `size ${size} should be the unpacked size (packed ${packed})`);

    const again = await d.docker(["pull", name]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${name}`));

    // The raw messages carry Docker's progressDetail and bar for byte progress.
    const client = new DockerClient({ socketPath: d.socketPath });
    try {
      await d.docker(["rmi", name]);
      const msgs = [];
      for await (const m of await client.images.pull(`${reg.host}/berth-test/app`, { tag: "1" })) msgs.push(m);
      const downloading = msgs.filter((m) => m.status === "Downloading");
      assert.ok(downloading.length > 0);
      for (const m of downloading) {
        assert.ok(m.progressDetail && typeof m.progressDetail.current === "number" && m.progressDetail.total! > 0);
        assert.match(m.progress ?? "", /^\[=*>\s*\]\s+\S+\/\S+$/);
      }
      assert.ok(msgs.every((m) => m.id === undefined || m.status?.startsWith("Pulling from") || m.progressDetail !== undefined));
    } finally {
      client.close();
    }

    const images = await d.docker(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
    assert.equal(images.stdout.trim(), `${reg.host}/berth-test/app:1 ${img.manifest.config.digest.slice(7, 19)}`);

    // push --all-tags (no tag in the request): every local tag of the repository.
    await d.docker(["tag", name, `${reg.host}/berth-test/app:2`]);
    const all = await d.docker(["push", "--all-tags", `${reg.host}/berth-test/app`]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^1: digest: sha256:/m);
    assert.match(all.stdout, /^2: digest: sha256:/m);
    assert.equal(all.stdout.match(/: Layer already exists$/gm)?.length, 2 * img.manifest.layers.length, all.stdout);
    assert.ok(!all.stdout.includes(img.manifest.config.digest.slice(7, 19)), all.stdout);
    await d.docker(["rmi", `${reg.host}/berth-test/app:2`]);
    const noTag = await d.docker(["push", `${reg.host}/berth-test/app:9`]);
    assert.notEqual(noTag.code, 0);
    assert.match(noTag.stderr, /An image does not exist locally with the tag: .*berth-test\/app:9/);

    const missing = await d.docker(["pull", `${reg.host}/berth-test/app:nope`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /manifest for .*berth-test\/app:nope not found/);

    assert.deepEqual(d.events.map((e) => e.Action).filter((a) => a === "push" || a === "pull"), ["push", "pull", "pull", "pull", "push", "push"]);
  } finally {
    await d.close();
    await reg.stop();
  }
});

test("docker login checks credentials through POST /auth and stores them client-side", { skip }, async () => {
  const reg = await startRegistry({ auth: "basic" });
  const d = await startImagesDaemon();
  try {
    const bad = await d.docker(["login", "-u", "berth-test-user", "--password-stdin", reg.host], "wrong-password\n");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Error response from daemon: .*unauthorized/i);
    const good = await d.docker(["login", "-u", "berth-test-user", "--password-stdin", reg.host], "berth-test-pass\n");
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);

    // With the stored credentials the CLI sends X-Registry-Auth: push to the protected registry works.
    const img = await makeTestImage(d.env.service.content, [{ "x": "y" }]);
    await d.env.service.recordImage(img.manifestDescriptor, [`${reg.host}/berth-test/private:1`]);
    const push = await d.docker(["push", `${reg.host}/berth-test/private:1`]);
    assert.equal(push.code, 0, push.stderr);
    await d.docker(["logout", reg.host]);
    await d.docker(["rmi", `${reg.host}/berth-test/private:1`]);
    const anon = await d.docker(["pull", `${reg.host}/berth-test/private:1`]);
    assert.notEqual(anon.code, 0);
    assert.match(anon.stderr, /pull access denied|unauthorized|authentication required/);
  } finally {
    await d.close();
    await reg.stop();
  }
});
