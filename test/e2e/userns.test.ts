/**
 * User-namespace remapping end to end (docs/userns.md), with the docker CLI against a berthd
 * started with `--userns-remap default`: root inside is the range's first uid outside, the
 * image's files are root's inside (idmapped layers, nothing chowned), the writable layer keeps
 * host ids, --userns=host opts out, bind mounts show the host's ids, and nothing stays mounted.
 * The daemon creates the berthremap user and its range if the host lacks them (as dockerd
 * does with dockremap). The test leaves them: they are the daemon's host setup, not a test
 * resource, and another run of this file (or a remapping daemon) may be using them right now.
 */
import { after, before, test } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;
const USER = "berthremap";

const accountExists = () => readFileSync("/etc/passwd", "utf8").split("\n").some((l) => l.startsWith(`${USER}:`));
const firstId = (file: string) => {
  const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${USER}:`));
  assert.ok(line, `${file} has a range for ${USER}`);
  return Number(line.split(":")[1]);
};

let d: TestDaemon;
let scratch = "";

before(async () => {
  if (skip) return;
  d = await startTestDaemon({ args: ["--userns-remap", "default"] });
  // The test daemon lives in a 0700 mkdtemp dir: the remapped root must get through it, as it
  // must through every directory above a remapping dockerd's root.
  await chmod(d.dir, 0o711);
  scratch = await mkdtemp("/tmp/berth-test-userns-");
  await chmod(scratch, 0o711); // a bind source must be reachable by the remapped root, as with dockerd
}, { timeout: 60_000 });

after(async () => {
  if (skip) return;
  try {
    assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});

test("docker info lists name=userns; the berthremap user has a range", { skip }, async () => {
  const opts = await d.ok(["info", "-f", "{{json .SecurityOptions}}"]);
  assert.ok((JSON.parse(opts) as string[]).includes("name=userns"), opts);
  assert.ok(accountExists());
  assert.ok(firstId("/etc/subuid") >= 100000);
  assert.equal(firstId("/etc/subgid"), firstId("/etc/subuid"));
});

test("root inside is the range's first uid outside; image files are root's inside", { skip }, async () => {
  const uid0 = firstId("/etc/subuid");
  const gid0 = firstId("/etc/subgid");
  assert.match(await d.ok(["run", "--rm", "busybox", "id"]), /^uid=0\(root\) gid=0\(root\)/);
  assert.match(await d.ok(["run", "--rm", "busybox", "ls", "-ln", "/bin/busybox"]), /^\S+\s+\d+\s+0\s+0\s/);
  const id = await d.ok(["run", "-d", "busybox", "sleep", "300"]);
  const pid = Number(await d.ok(["inspect", "-f", "{{.State.Pid}}", id]));
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  assert.match(status, new RegExp(`^Uid:\\s+${uid0}\\s+${uid0}\\s+${uid0}\\s+${uid0}$`, "m"));
  assert.match(status, new RegExp(`^Gid:\\s+${gid0}\\s+${gid0}\\s+${gid0}\\s+${gid0}$`, "m"));
  const maps = readFileSync(`/proc/${pid}/uid_map`, "utf8").trim().split(/\s+/).map(Number);
  assert.deepEqual(maps, [0, uid0, 65536]);
  assert.equal(await d.ok(["inspect", "-f", "{{.HostConfig.UsernsMode}}", id]), "");
  // Root writes the image's files (copy-up from an idmapped layer) and new ones.
  await d.ok(["exec", id, "sh", "-c", "echo changed >> /etc/passwd && echo hi > /new-file && chown 1000:1000 /new-file"]);
  assert.equal(await d.ok(["exec", id, "stat", "-c", "%u %g", "/etc/passwd"]), "0 0");
  assert.equal(await d.ok(["exec", id, "stat", "-c", "%u %g", "/new-file"]), "1000 1000");
  // The host sees host ids: through the container's root, and in the writable layer itself.
  const seen = statSync(`/proc/${pid}/root/new-file`);
  assert.deepEqual([seen.uid, seen.gid], [uid0 + 1000, gid0 + 1000]);
  const upper = upperDirOf(id);
  const stored = statSync(join(upper, "new-file"));
  assert.deepEqual([stored.uid, stored.gid], [uid0 + 1000, gid0 + 1000]);
  assert.equal(statSync(join(upper, "etc", "passwd")).uid, uid0);
  // The layers of the image were not touched: the image's busybox is still host root's.
  const other = await d.ok(["run", "--rm", "--userns=host", "busybox", "stat", "-c", "%u %g", "/bin/busybox"]);
  assert.equal(other, "0 0");
  // A restart mounts the idmapped rootfs again: the container's changes are still root's inside.
  await d.ok(["restart", "-t", "0", id]);
  assert.equal(await d.ok(["exec", id, "stat", "-c", "%u %g", "/etc/passwd", "/new-file"]), "0 0\n1000 1000");
  await d.ok(["rm", "-f", id]);
  // The daemon's warm pool of network namespaces (src/network/NetnsPool.ts) and its exec
  // root's tmpfs (src/daemon/execRootTmpfs.ts) are its own, not the container's.
  assert.deepEqual(mountsUnder(d.dir).filter((m) => !m.includes("/netns-pool/") && m !== d.execRoot), [], "nothing mounted after rm");
});

test("--userns=host opts out: the process is host root, inspect says host", { skip }, async () => {
  const id = await d.ok(["run", "-d", "--userns=host", "busybox", "sleep", "300"]);
  const pid = Number(await d.ok(["inspect", "-f", "{{.State.Pid}}", id]));
  assert.match(readFileSync(`/proc/${pid}/status`, "utf8"), /^Uid:\s+0\s+0\s+0\s+0$/m);
  assert.equal(await d.ok(["inspect", "-f", "{{.HostConfig.UsernsMode}}", id]), "host");
  await d.ok(["rm", "-f", id]);
});

test("a bind mount shows the host's ids: unmapped ones as nobody, the range's as container ids", { skip }, async () => {
  const uid0 = firstId("/etc/subuid");
  const data = join(scratch, "data");
  execFileSync("mkdir", ["-p", data]);
  await writeFile(join(data, "root-owned"), "x");
  await writeFile(join(data, "mapped"), "y");
  execFileSync("chown", [`${uid0 + 5}:${uid0 + 5}`, join(data, "mapped")]);
  await chmod(data, 0o777);
  const out = await d.ok(["run", "--rm", "-v", `${data}:/data`, "busybox", "sh", "-c", "stat -c '%n %u %g' /data/root-owned /data/mapped && echo made > /data/by-container"]);
  assert.deepEqual(out.split("\n"), ["/data/root-owned 65534 65534", "/data/mapped 5 5"]);
  const made = statSync(join(data, "by-container"));
  assert.deepEqual([made.uid, made.gid], [uid0, firstId("/etc/subgid")]);
});

test("named volumes: a new empty one is the remapped root's; one filled from the image keeps the image's owners", { skip }, async () => {
  const uid0 = firstId("/etc/subuid");
  const suffix = Math.random().toString(36).slice(2, 8);
  const [empty, filled] = [`berth-test-userns-a-${suffix}`, `berth-test-userns-b-${suffix}`];
  try {
    assert.equal(await d.ok(["run", "--rm", "-v", `${empty}:/data`, "busybox", "sh", "-c", "touch /data/x && stat -c '%u %g' /data /data/x"]), "0 0\n0 0");
    assert.equal(await d.ok(["run", "--rm", "-v", `${filled}:/etc`, "busybox", "sh", "-c", "echo more >> /etc/group && stat -c '%u %g' /etc /etc/passwd"]), "0 0\n0 0");
    const mp = await d.ok(["volume", "inspect", "-f", "{{.Mountpoint}}", filled]);
    assert.equal(statSync(join(mp, "passwd")).uid, uid0, "copied with the shifted owner");
  } finally {
    await d.docker(["volume", "rm", "-f", empty, filled]);
  }
});

test("privileged needs --userns=host; bad --userns values are refused", { skip }, async () => {
  const p = await d.docker(["run", "--rm", "--privileged", "busybox", "true"]);
  assert.notEqual(p.code, 0);
  assert.match(p.stderr, /privileged mode is incompatible with user namespaces/);
  assert.match(await d.ok(["run", "--rm", "--privileged", "--userns=host", "busybox", "id", "-u"]), /^0$/);
  const bad = await d.docker(["run", "--rm", "--userns=private", "busybox", "true"]);
  assert.notEqual(bad.code, 0);
});

test("without --userns-remap: label berth.userns=auto opts one container in (berthremap's range), others stay host root", { skip }, async () => {
  const plain = await startTestDaemon();
  try {
    await chmod(plain.dir, 0o711);
    const opts = await plain.ok(["info", "-f", "{{json .SecurityOptions}}"]);
    assert.ok(!opts.includes("name=userns"), opts);
    assert.match(await plain.ok(["run", "--rm", "busybox", "cat", "/proc/self/uid_map"]), /^\s*0\s+0\s+4294967295$/);
    const uid0 = firstId("/etc/subuid");
    const mapped = await plain.ok(["run", "--rm", "--label", "berth.userns=auto", "busybox", "sh", "-c", "cat /proc/self/uid_map; stat -c '%u %g' /bin/busybox"]);
    assert.match(mapped, new RegExp(`^\\s*0\\s+${uid0}\\s+65536\n0 0$`));
    const bad = await plain.docker(["run", "--rm", "--label", "berth.userns=on", "busybox", "true"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /the only value is "auto"/);
  } finally {
    assert.deepEqual(await plain.cleanup(), [], `berthd left these behind:\n${plain.log()}`);
  }
});

/** The writable layer of a container: upperdir of the overlay at its rootfs (from mountinfo). */
function upperDirOf(id: string): string {
  const rootfs = join(d.dataRoot, "containers", id, "rootfs");
  const line = readFileSync("/proc/self/mountinfo", "utf8").split("\n").find((l) => l.split(" ")[4] === rootfs);
  assert.ok(line, `${rootfs} is mounted`);
  const m = /upperdir=([^,\s]+)/.exec(line);
  assert.ok(m, line);
  return m[1]!;
}

function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((p) => p.startsWith(dir + "/"));
}
