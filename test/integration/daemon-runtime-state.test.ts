/**
 * berthd's runtime state directories: a deleted container's directory is renamed to a `.rm-`
 * name in the runtime root and removed in the background; a stopped daemon leaves none, and
 * one that a killed daemon left is swept at the next start. berth's cgroup parent stays while
 * the daemon runs (the runtime CLI removes it with its last container). A removal makes the
 * next container's directory and small files ahead; a create uses them; none stays after stop.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { containerCgroups, daemonSkipReason, startTestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

const trash = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(".rm-")) : []);

test("runtime state: deleted directories leave nothing after stop; a killed daemon's leftovers are swept at start", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const root = join(d.execRoot, "runtime");
    const id = await d.ok(["run", "-d", "--network", "none", "busybox", "true"]);
    assert.equal(await d.ok(["wait", id]), "0");
    assert.ok(!existsSync(join(root, id)), "the exit deleted the runtime state");
    assert.deepEqual(containerCgroups(id), [], "and the container's cgroup");
    await d.ok(["rm", id]);
    await d.ok(["run", "--rm", "--network", "none", "busybox", "true"]);
    // An exit makes the next state directory ahead; the next start takes it.
    for (let i = 0; i < 100 && trash(root).filter((n) => n.startsWith(".rm-spare-")).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(trash(root).filter((n) => n.startsWith(".rm-spare-")).length, 1, "a state directory made ahead");
    assert.equal(await d.ok(["run", "--rm", "--network", "none", "busybox", "echo", "premade"]), "premade");
    await d.stop();
    assert.deepEqual(trash(root), [], "a stopped daemon finished its deletes and removed what it made ahead");

    // What a daemon killed mid-delete leaves: a renamed directory with files in it (in its exec
    // root, which a kill leaves mounted).
    await d.restart();
    await d.crash();
    const left = join(root, `.rm-berth-test-${randomBytes(4).toString("hex")}.0a0b0c0d`);
    mkdirSync(left, { recursive: true });
    writeFileSync(join(left, "state.json"), "{}");
    await d.restart();
    assert.deepEqual(trash(root), [], "swept at start");
    await d.ok(["run", "--rm", "--network", "none", "busybox", "true"]);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], d.log());
});

const spares = (dir: string) => trash(dir).filter((n) => n.startsWith(".rm-spare-"));

test("container directories made ahead: a removal makes one, the next create uses it, a failed create and a stop leave none", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const containers = join(d.dataRoot, "containers");
    await d.ok(["run", "--rm", "--network", "none", "busybox", "true"]);
    for (let i = 0; i < 100 && spares(containers).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(spares(containers).length, 1, "the removal made a set for the next container");

    const id = await d.ok(["create", "--network", "none", "--hostname", "berth-premade", "busybox", "cat", "/etc/hostname", "/etc/hosts"]);
    assert.deepEqual(spares(containers), [], "the create took it");
    assert.deepEqual(readdirSync(join(containers, id)).filter((n) => n !== "container.log").sort(), ["config.json", "hostname", "hosts", "resolv.conf", "rootfs"]);
    assert.equal(readFileSync(join(containers, id, "hostname"), "utf8"), "berth-premade\n");
    assert.ok(JSON.parse(readFileSync(join(containers, id, "config.json"), "utf8")).process, "config.json written into the file made ahead");
    await d.ok(["start", id]);
    assert.equal(await d.ok(["wait", id]), "0");
    const out = await d.ok(["logs", id]);
    assert.match(out, /^berth-premade\n/);
    assert.match(out, /127\.0\.0\.1\s+localhost/);
    await d.ok(["rm", id]);
    for (let i = 0; i < 100 && spares(containers).length === 0; i++) await new Promise((r) => setTimeout(r, 20));

    // A create failing after it took the set (a --device missing on the host) leaves nothing.
    const missing = `/dev/berth-test-missing-${randomBytes(4).toString("hex")}`;
    assert.notEqual((await d.docker(["create", "--network", "none", "--device", missing, "busybox", "true"])).code, 0);
    assert.deepEqual(entries(containers).filter((n) => !n.startsWith(".rm-")), [], "no container directory left");

    await d.ok(["run", "--rm", "--network", "none", "busybox", "true"]);
    await d.stop();
    assert.deepEqual(trash(containers), [], "the stopped daemon removed the set and finished its deletes");
    // What a killed daemon leaves is swept at the next start.
    mkdirSync(join(containers, ".rm-spare-0a0b0c0d0e0f"));
    await d.restart();
    assert.deepEqual(spares(containers), []);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], d.log());
});

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
