/**
 * berthd volumes end to end with the real docker CLI: the volume verbs, data that outlives its
 * container, Docker's in-use refusal, --mount type=volume, the copy of an image's content into
 * a new volume, `rm -v` and prune of anonymous volumes — and nothing left behind.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

async function withDaemon(fn: (d: TestDaemon) => Promise<void>): Promise<void> {
  const d = await startTestDaemon();
  try {
    await fn(d);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
}

const volumeDirs = (d: TestDaemon) => (existsSync(join(d.dataRoot, "volumes")) ? readdirSync(join(d.dataRoot, "volumes")) : []);

test("volume create, ls, inspect, rm; prune removes only what it should", { skip }, async () => {
  await withDaemon(async (d) => {
    const name = `berth-test-vol-${process.pid}`;
    assert.equal(await d.ok(["volume", "create", "--label", "berth-test=1", name]), name);
    // Creating it again is not an error (Docker's local driver).
    assert.equal(await d.ok(["volume", "create", name]), name);
    const v = JSON.parse(await d.ok(["volume", "inspect", name]))[0];
    assert.equal(v.Name, name);
    assert.equal(v.Driver, "local");
    assert.equal(v.Scope, "local");
    assert.deepEqual(v.Labels, { "berth-test": "1" });
    assert.equal(v.Mountpoint, join(d.dataRoot, "volumes", name, "_data"));
    assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(existsSync(v.Mountpoint));
    assert.equal(await d.ok(["volume", "ls", "-q", "--filter", "label=berth-test=1"]), name);
    assert.equal(await d.ok(["volume", "ls", "-q", "--filter", "label=berth-test=2"]), "");

    const bad = await d.docker(["volume", "create", "bad/name"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /includes invalid characters for a local volume name/);
    const missing = await d.docker(["volume", "inspect", "berth-test-no-such-volume"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no such volume/);
    assert.equal((await d.docker(["volume", "rm", "-f", "berth-test-no-such-volume"])).code, 0);

    // An anonymous volume (64 hex) and the named one: the default prune takes the anonymous only.
    const anon = await d.ok(["volume", "create"]);
    assert.match(anon, /^[0-9a-f]{64}$/);
    const pruned = await d.ok(["volume", "prune", "-f"]);
    assert.match(pruned, new RegExp(anon));
    assert.doesNotMatch(pruned, new RegExp(name));
    assert.equal(await d.ok(["volume", "ls", "-q"]), name);
    await d.ok(["volume", "prune", "-f", "--filter", "all=true"]);
    assert.equal(await d.ok(["volume", "ls", "-q"]), "");
    assert.deepEqual(volumeDirs(d), []);
  });
});

test("data in a named volume outlives its container; an in-use volume is refused in Docker's words", { skip }, async () => {
  await withDaemon(async (d) => {
    // The volume does not exist yet: run creates it.
    await d.ok(["run", "--rm", "-v", "berth-test-data:/d", "busybox", "sh", "-c", "echo persisted > /d/f"]);
    assert.equal(await d.ok(["run", "--rm", "-v", "berth-test-data:/e:ro", "busybox", "cat", "/e/f"]), "persisted");
    const ro = await d.docker(["run", "--rm", "-v", "berth-test-data:/e:ro", "busybox", "touch", "/e/g"]);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);

    const id = await d.ok(["create", "--mount", "type=volume,src=berth-test-data,dst=/m,readonly", "busybox", "cat", "/m/f"]);
    const mounts = JSON.parse(await d.ok(["inspect", "-f", "{{json .Mounts}}", id]));
    assert.deepEqual(mounts, [{
      Type: "volume", Name: "berth-test-data", Source: join(d.dataRoot, "volumes", "berth-test-data", "_data"),
      Destination: "/m", Driver: "local", Mode: "z", RW: false, Propagation: "",
    }]);
    const rm = await d.docker(["volume", "rm", "berth-test-data"]);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, new RegExp(`remove berth-test-data: volume is in use - \\[${id}\\]`));
    // Forced or not, a volume in use stays; prune --all skips it.
    assert.notEqual((await d.docker(["volume", "rm", "-f", "berth-test-data"])).code, 0);
    assert.doesNotMatch(await d.ok(["volume", "prune", "-af"]), /berth-test-data/);
    assert.equal(await d.ok(["volume", "ls", "-q", "--filter", "dangling=false"]), "berth-test-data");
    const df = (await d.ok(["system", "df", "--format", "{{.Type}}={{.TotalCount}}/{{.Active}}/{{.Size}}"])).split("\n");
    assert.ok(df.some((l) => /^Local Volumes=1\/1\/\d+(\.\d+)?k?B$/.test(l)), df.join("\n"));
    await d.ok(["start", id]);
    assert.equal(await d.ok(["wait", id]), "0");
    assert.equal(await d.ok(["logs", id]), "persisted");
    assert.equal(await d.ok(["ps", "-aq", "--filter", "volume=berth-test-data"]), id.slice(0, 12));
    await d.ok(["rm", "-v", id]);
    // rm -v leaves named volumes alone.
    assert.equal(await d.ok(["volume", "ls", "-q", "--filter", "dangling=true"]), "berth-test-data");
    await d.ok(["volume", "rm", "berth-test-data"]);
    assert.deepEqual(volumeDirs(d), []);
  });
});

test("an image's VOLUME becomes an anonymous volume holding the image's content; rm -v and --rm remove it", { skip }, async () => {
  await withDaemon(async (d) => {
    const img = `berth-test-volimg-${process.pid}`;
    const src = await d.ok(["run", "-d", "busybox", "sh", "-c", "mkdir -p /data && echo from-image > /data/seed && chown 1234:5678 /data"]);
    assert.equal(await d.ok(["wait", src]), "0");
    // An image whose config declares VOLUME /data (berthd's commit is not there yet: export + import).
    const tarPath = join(d.dir, "rootfs.tar");
    await d.ok(["export", "-o", tarPath, src]);
    await d.ok(["import", "--change", "VOLUME /data", tarPath, img]);
    await d.ok(["rm", src]);
    assert.deepEqual(JSON.parse(await d.ok(["image", "inspect", "-f", "{{json .Config.Volumes}}", img])), { "/data": {} });

    const id = await d.ok(["run", "-d", img, "sh", "-c", "cat /data/seed; stat -c %u:%g /data; echo more > /data/new"]);
    assert.equal(await d.ok(["wait", id]), "0");
    assert.deepEqual((await d.ok(["logs", id])).split("\n"), ["from-image", "1234:5678"]);
    const [m] = JSON.parse(await d.ok(["inspect", "-f", "{{json .Mounts}}", id]));
    assert.equal(m.Type, "volume");
    assert.match(m.Name, /^[0-9a-f]{64}$/);
    assert.equal(m.Destination, "/data");
    assert.equal(m.RW, true);
    assert.deepEqual(readdirSync(m.Source).sort(), ["new", "seed"]);

    // A named volume that is not empty gets no copy; nocopy gets none even when empty.
    await d.ok(["run", "--rm", "-v", "berth-test-full:/data", "busybox", "sh", "-c", "echo mine > /data/own"]);
    assert.equal(await d.ok(["run", "--rm", "-v", "berth-test-full:/data", img, "ls", "/data"]), "own");
    assert.equal(await d.ok(["run", "--rm", "-v", "berth-test-empty:/data:nocopy", img, "ls", "/data"]), "");
    assert.equal(await d.ok(["run", "--rm", "--mount", "type=volume,dst=/data,volume-nocopy", img, "ls", "/data"]), "");

    // --rm took its anonymous volumes with it; rm -v takes this one.
    assert.deepEqual((await d.ok(["volume", "ls", "-q"])).split("\n").sort(), [m.Name, "berth-test-empty", "berth-test-full"].sort());
    await d.ok(["rm", "-v", id]);
    assert.ok(!existsSync(join(d.dataRoot, "volumes", m.Name)));
    // Without -v the anonymous volume stays (dangling) until a prune.
    const keep = await d.ok(["create", img, "true"]);
    await d.ok(["rm", keep]);
    const left = await d.ok(["volume", "ls", "-q", "--filter", "dangling=true"]);
    assert.equal(left.split("\n").length, 3);
    await d.ok(["volume", "prune", "-af"]);
    assert.equal(await d.ok(["volume", "ls", "-q"]), "");
    assert.deepEqual(volumeDirs(d), []);
    await d.ok(["rmi", img]);
  });
});

test("-v /path makes an anonymous volume; volumes and their references survive a daemon restart; a failed create leaves no volume", { skip }, async () => {
  await withDaemon(async (d) => {
    const id = await d.ok(["run", "-d", "-v", "/scratch", "-v", "berth-test-kept:/k", "busybox", "sh", "-c", "echo a > /scratch/a; echo k > /k/k"]);
    assert.equal(await d.ok(["wait", id]), "0");
    const mounts = JSON.parse(await d.ok(["inspect", "-f", "{{json .Mounts}}", id])) as { Name: string; Destination: string; Type: string }[];
    const anon = mounts.find((m) => m.Destination === "/scratch")!;
    assert.equal(anon.Type, "volume");
    assert.match(anon.Name, /^[0-9a-f]{64}$/);

    await d.stop();
    await d.restart();
    assert.deepEqual((await d.ok(["volume", "ls", "-q"])).split("\n").sort(), [anon.Name, "berth-test-kept"].sort());
    assert.match((await d.docker(["volume", "rm", anon.Name])).stderr, /volume is in use/);
    assert.equal(await d.ok(["run", "--rm", "-v", "berth-test-kept:/k", "busybox", "cat", "/k/k"]), "k");

    // The create fails after its volume step (a bad capability): the volume it made is gone again.
    const bad = await d.docker(["create", "-v", "berth-test-rolledback:/x", "--cap-add", "BERTH_TEST_BOGUS", "busybox", "true"]);
    assert.notEqual(bad.code, 0);
    assert.doesNotMatch(await d.ok(["volume", "ls", "-q"]), /berth-test-rolledback/);

    await d.ok(["rm", "-v", id]);
    assert.equal(await d.ok(["volume", "ls", "-q"]), "berth-test-kept");
    await d.ok(["volume", "rm", "berth-test-kept"]);
    assert.deepEqual(volumeDirs(d), []);
  });
});
