import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CgroupV2Manager } from "../../src/runtime/cgroup/v2/manager.js";

/**
 * The v2 manager against a real cgroup2 hierarchy. The build host is hybrid: its cgroup2 at
 * /sys/fs/cgroup/unified carries no controllers, so this covers the v2 core only (creation,
 * membership, cgroup.freeze + cgroup.events, cgroup.kill, cpu.stat, destroy). Controller
 * limits on v2 are covered by the fixture-tree unit tests.
 */
const MOUNT = "/sys/fs/cgroup/unified";
const skip =
  process.getuid?.() !== 0 ? "needs root to create cgroups"
  : !existsSync(join(MOUNT, "cgroup.procs")) ? `no cgroup2 mount at ${MOUNT}`
  : false;

const BASE = `/berth-test-${randomBytes(4).toString("hex")}`;
let m: CgroupV2Manager;
const children: ChildProcess[] = [];

before(() => {
  if (!skip) m = new CgroupV2Manager(MOUNT, {});
});

after(async () => {
  if (skip) return;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (existsSync(join(MOUNT, BASE))) {
    await m.killAll(BASE, "SIGKILL").catch(() => {});
    await m.destroy(BASE);
  }
  assert.equal(existsSync(join(MOUNT, BASE)), false);
});

async function sleeper(procsFile: string): Promise<{ child: ChildProcess; exited: Promise<[number | null, NodeJS.Signals | null]> }> {
  const child = spawn("sleep", ["1000"], { stdio: "ignore" });
  children.push(child);
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on("exit", (c, s) => r([c, s])));
  await new Promise((r) => child.once("spawn", r));
  await writeFile(procsFile, String(child.pid));
  return { child, exited };
}

test("v2 core on a real cgroup2: join, freeze/thaw via cgroup.events, cpu.stat, cgroup.kill, destroy", { skip }, async () => {
  const path = `${BASE}/core`;
  const { procsFiles } = await m.create(path);
  assert.deepEqual(procsFiles, [join(MOUNT, path, "cgroup.procs")]);
  const p = await sleeper(procsFiles[0]!);
  assert.ok(readFileSync(`/proc/${p.child.pid}/cgroup`, "utf8").split("\n").includes(`0::${path}`));
  assert.deepEqual(await m.pids(BASE), [p.child.pid!], "pids() includes descendants");

  await m.freeze(path);
  assert.equal(await m.freezerState(path), "frozen");
  assert.match(readFileSync(join(MOUNT, path, "cgroup.events"), "utf8"), /^frozen 1$/m);
  await m.thaw(path);
  assert.equal(await m.freezerState(path), "thawed");

  const s = await m.stats(path);
  assert.equal(typeof s.cpu!.usageNs, "number");
  assert.equal(s.cpu!.usageNs % 1000, 0, "usec converted to ns");
  assert.equal(s.memory, undefined, "no memory controller delegated here, so no memory figures");

  await m.freeze(path);
  await m.killAll(path, "SIGKILL");
  assert.deepEqual(await p.exited, [null, "SIGKILL"]);
  assert.deepEqual(await m.pids(path), []);
  await m.destroy(path);
  assert.equal(existsSync(join(MOUNT, path)), false);
});

test("v2 killAll with SIGTERM signals each process (no cgroup.kill)", { skip }, async () => {
  const path = `${BASE}/term`;
  const { procsFiles } = await m.create(path);
  const p = await sleeper(procsFiles[0]!);
  await m.killAll(path, "SIGTERM");
  assert.deepEqual(await p.exited, [null, "SIGTERM"]);
  await m.destroy(path);
  assert.equal(await m.exists(path), false);
});
