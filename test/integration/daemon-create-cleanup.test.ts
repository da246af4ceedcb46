/**
 * A container's create makes its directory, /etc files and writable layer with the snapshot's
 * directories in parallel, and the layer's directories come from a set made ahead when the
 * previous container's layer was removed: a create that fails after both exist leaves neither,
 * and a stopped daemon leaves no pre-made set behind.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { daemonSkipReason, withTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
/** Snapshot directories that are snapshots (numbered), not pre-made sets or deletes in progress. */
const snapshotIds = (d: TestDaemon) => entries(join(d.dataRoot, "snapshots")).filter((n) => /^\d+$/.test(n));
const spares = (d: TestDaemon) => entries(join(d.dataRoot, "snapshots")).filter((n) => n.startsWith("spare-"));

test("create: a failure after the container's directory and layer exist leaves neither; a pre-made layer set is used and gone after stop", { skip }, async () => {
  await withTestDaemon(async (d) => {
    await d.ok(["run", "--rm", "--network", "none", "busybox", "true"]);
    const images = snapshotIds(d);
    assert.deepEqual(entries(join(d.dataRoot, "containers")).filter((n) => !n.startsWith(".rm-")), []);

    // --device on a missing host path passes the API's checks and fails while the spec is built,
    // after the directory, the /etc files and the writable layer were made.
    const missing = `/dev/berth-test-missing-${randomBytes(4).toString("hex")}`;
    const r = await d.docker(["create", "--network", "none", "--device", missing, "busybox", "true"]);
    assert.notEqual(r.code, 0, "the create fails");
    assert.match(r.stderr, new RegExp(missing));
    assert.deepEqual(entries(join(d.dataRoot, "containers")).filter((n) => !n.startsWith(".rm-")), [], "no container directory left");
    assert.equal((await d.ok(["ps", "-aq"])).trim(), "", "no container record left");
    for (let i = 0; i < 100 && snapshotIds(d).length !== images.length; i++) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(snapshotIds(d), images, "no writable layer left");

    // Runs go on normally with the pre-made sets, and each removal makes the next one.
    await d.ok(["run", "--rm", "--network", "none", "busybox", "true"]);
    assert.equal((await d.ok(["run", "--rm", "--network", "none", "busybox", "cat", "/etc/hostname"])).length, 12);
    for (let i = 0; i < 100 && spares(d).length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(spares(d).length, 1, "a set for the next container");
    await d.stop();
    assert.deepEqual(spares(d), [], "the stopped daemon removed it");
    assert.deepEqual(snapshotIds(d), images);
  });
});
