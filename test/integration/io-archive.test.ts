// docker cp on the daemon side: stat, GET as tar, PUT of a tar, in a running container
// (through /proc/PID/root) and a stopped one (temporary read-only mount); hostile archives and
// container symlinks never reach the host.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { containerStreams } from "../../src/daemon/containerStreams.js";
import { readTar } from "../../src/image/unpack/tarReader.js";
import { dataPadding, encodeHeader, endOfArchive } from "../../src/image/unpack/tarWriter.js";
import { openContainerRoot } from "../../src/engine/io/archive/containerRoot.js";
import { archiveContainerPath, extractToContainerPath } from "../../src/engine/io/archive/containerArchive.js";
import { isGoDir } from "../../src/engine/io/archive/pathStat.js";
import type { ImageService } from "../../src/image/ImageService.js";
import { makeIoEnv, skip, type IoEnv } from "./io-harness.js";
import { readRecord } from "../../src/runtime/containerStore.js";

let env: IoEnv;
before(async () => { if (!skip) env = await makeIoEnv(); });
after(async () => { if (env) await env.cleanup(); });

const streams = () => containerStreams({ lookup: env.lookup, runtime: env.rt.ctx, images: {} as ImageService });
const mtime = new Date("2020-01-01T00:00:00Z");

function tarOf(entries: { path: string; type: "file" | "dir" | "symlink"; data?: string; linkpath?: string }[]): Readable {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? "");
    parts.push(encodeHeader({ path: e.path, type: e.type, mode: e.type === "dir" ? 0o755 : 0o644, uid: 0, gid: 0, size: data.length, mtime, linkpath: e.linkpath }));
    if (e.type === "file") parts.push(data, dataPadding(data.length));
  }
  parts.push(endOfArchive());
  return Readable.from([Buffer.concat(parts)]);
}

async function untar(tar: Readable): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const { entry, body } of readTar(tar)) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    out.set(entry.path, entry.type === "symlink" ? `-> ${entry.linkpath}` : entry.type === "dir" ? "<dir>" : Buffer.concat(chunks).toString());
  }
  return out;
}

test("archive: stat and get of files, directories and links in a running container", { skip }, async () => {
  const c = await env.run(["sleep", "300"]);
  const s = streams();
  const dir = await s.archiveStat(c.id, "/etc");
  assert.equal(dir.name, "etc");
  assert.ok(isGoDir(dir.mode));
  const link = await s.archiveStat(c.id, "/bin/sh");
  assert.equal(link.linkTarget, "/bin/busybox");
  assert.equal(link.mode & 0o777, 0o777);
  await assert.rejects(s.archiveStat(c.id, "/no/such"), (e: Error & { kind?: string }) => e.kind === "NotFound" && e.message === `Could not find the file /no/such in container ${c.record.name}`);
  const file = await s.archiveGet(c.id, "/etc/passwd", new AbortController().signal);
  assert.equal(file.stat.name, "passwd");
  assert.deepEqual([...(await untar(file.tar)).entries()], [["passwd", readFileSync(join(c.record.dir, "rootfs/etc/passwd"), "utf8")]]);
  const cgroup = (await readRecord(env.rt.ctx.root, c.id)).cgroupsPath;
  const pending = await s.archiveGet(c.id, "/etc", new AbortController().signal);
  assert.equal(await env.rt.ctx.cgroups!.freezerState(cgroup), "frozen", "frozen while the copy is read");
  const tree = await untar(pending.tar);
  assert.equal(await env.rt.ctx.cgroups!.freezerState(cgroup), "thawed");
  assert.equal(tree.get("etc/"), "<dir>");
  assert.match(tree.get("etc/group")!, /^root:x:0:/);
});

test("archive: put extracts into a directory and get returns it; owners kept or set with copyUIDGID", { skip }, async () => {
  const c = await env.run(["sleep", "300"]);
  const s = streams();
  await s.archivePut(c.id, "/tmp", tarOf([{ path: "up/", type: "dir" }, { path: "up/hello.txt", type: "file", data: "hello world\n" }, { path: "up/link", type: "symlink", linkpath: "hello.txt" }]), { noOverwriteDirNonDir: true, copyUIDGID: false });
  const back = await untar((await s.archiveGet(c.id, "/tmp/up", new AbortController().signal)).tar);
  assert.deepEqual([...back.entries()], [["up/", "<dir>"], ["up/hello.txt", "hello world\n"], ["up/link", "-> hello.txt"]]);
  // The container sees the file, and runs again after the copy (it was frozen during it).
  assert.equal(readFileSync(`/proc/${c.record.state.pid}/root/tmp/up/hello.txt`, "utf8"), "hello world\n");
  const cgroup = (await readRecord(env.rt.ctx.root, c.id)).cgroupsPath;
  assert.equal(await env.rt.ctx.cgroups!.freezerState(cgroup), "thawed");
  await assert.rejects(s.archivePut(c.id, "/tmp/up/hello.txt", tarOf([{ path: "x", type: "file" }]), { noOverwriteDirNonDir: true, copyUIDGID: false }), /extraction point is not a directory/);
  await assert.rejects(s.archivePut(c.id, "/tmp", tarOf([{ path: "up", type: "file", data: "x" }]), { noOverwriteDirNonDir: true, copyUIDGID: false }), /cannot overwrite directory/);
});

test("archive: hostile archives and container links cannot write outside the container", { skip }, async () => {
  const c = await env.run(["sleep", "300"]);
  const s = streams();
  const marker = `berth-test-escape-${randomBytes(4).toString("hex")}`;
  const root = `/proc/${c.record.state.pid}/root`;
  // '..' in an entry is refused.
  await assert.rejects(s.archivePut(c.id, "/tmp", tarOf([{ path: `../../../../../tmp/${marker}`, type: "file", data: "x" }]), { noOverwriteDirNonDir: true, copyUIDGID: false }), /'\.\.'/);
  // A symlink entry pointing at / and then a file through it: refused (no write through a link).
  await assert.rejects(s.archivePut(c.id, "/tmp", tarOf([{ path: "evil", type: "symlink", linkpath: "/" }, { path: `evil/tmp/${marker}`, type: "file", data: "x" }]), { noOverwriteDirNonDir: true, copyUIDGID: false }), /symlink/);
  // A container symlink that climbs out of its root resolves inside the container.
  symlinkSync("../../../../../../..", join(c.record.dir, "rootfs/tmp/up-and-out"));
  await s.archivePut(c.id, "/tmp/up-and-out/tmp", tarOf([{ path: marker, type: "file", data: "inside" }]), { noOverwriteDirNonDir: true, copyUIDGID: false });
  assert.equal(readFileSync(join(root, "tmp", marker), "utf8"), "inside");
  assert.ok(!existsSync(join("/tmp", marker)), "nothing written on the host");
  // Reads through an absolute link see the container's file, not the host's.
  symlinkSync("/etc", join(c.record.dir, "rootfs/tmp/etclink"));
  const got = await untar((await s.archiveGet(c.id, "/tmp/etclink/passwd", new AbortController().signal)).tar);
  assert.equal(got.get("passwd"), readFileSync(join(c.record.dir, "rootfs/etc/passwd"), "utf8"));
  assert.notEqual(got.get("passwd"), readFileSync("/etc/passwd", "utf8"));
  assert.equal(readlinkSync(join(c.record.dir, "rootfs/tmp/etclink")), "/etc");
});

test("archive: a stopped container's root is mounted read-only for the copy and released after", { skip }, async () => {
  const base = mkdtempSync(join(tmpdir(), "berth-test-cp-"));
  try {
    const data = join(base, "data");
    mkdirSync(join(data, "etc"), { recursive: true });
    writeFileSync(join(data, "etc/motd"), "stopped\n");
    const access = await openContainerRoot({ pid: 0, rootfsDir: join(base, "rootfs"), mounts: async () => [{ type: "bind", source: data, destination: "/", options: ["bind"] }], tempParent: base }, false);
    assert.notEqual(access.root, join(base, "rootfs"));
    const { tar } = await archiveContainerPath(access, "/etc/motd", "stopped-one");
    assert.deepEqual([...(await untar(tar)).entries()], [["motd", "stopped\n"]]);
    const mounts = readFileSync("/proc/self/mountinfo", "utf8");
    assert.ok(!mounts.includes(base), "the temporary mount is gone once the tar was read");
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("archive: a stopped container's volumes are mounted for the copy (get, stat, put), in scope, and released after", { skip }, async () => {
  const base = mkdtempSync(join(tmpdir(), "berth-test-cpvol-"));
  try {
    const data = join(base, "data"); // the container's root
    const vol = join(base, "vol"); // a volume's _data
    const roVol = join(base, "rovol");
    const outside = join(base, "outside"); // where a hostile link in the image points
    for (const d of [join(data, "srv/data"), join(data, "tmp"), join(vol, "sub"), roVol, outside]) mkdirSync(d, { recursive: true });
    writeFileSync(join(vol, "sub/file"), "in the volume\n");
    writeFileSync(join(roVol, "keep"), "ro\n");
    // The image links /escape to a host path; a mount there must land inside the root.
    symlinkSync(outside, join(data, "escape"));
    const spec = { ociVersion: "1.0.2", mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/srv/data", type: "bind", source: vol, options: ["rbind", "rw", "rprivate"] },
      { destination: "/ro", type: "bind", source: roVol, options: ["rbind", "ro", "rprivate"] },
      { destination: "/escape", type: "bind", source: vol, options: ["rbind", "rw"] },
    ] };
    writeFileSync(join(base, "config.json"), JSON.stringify(spec));
    const src = { pid: 0, rootfsDir: join(base, "rootfs"), mounts: async () => [{ type: "bind", source: data, destination: "/", options: ["bind"] }], tempParent: base };

    // GET: the file in the volume, and the volume inside a directory's tar.
    const get = await openContainerRoot(src, false);
    const { tar, stat } = await archiveContainerPath(get, "/srv/data/sub/file", "stopped-vol");
    assert.equal(stat.size, "in the volume\n".length);
    assert.deepEqual([...(await untar(tar)).entries()], [["file", "in the volume\n"]]);
    const dir = await untar((await archiveContainerPath(await openContainerRoot(src, false), "/srv", "stopped-vol")).tar);
    assert.equal(dir.get("srv/data/sub/file"), "in the volume\n");
    // Read-only: /ro does not exist in the root and is not created for a read.
    await assert.rejects(archiveContainerPath(await openContainerRoot(src, false), "/ro/keep", "stopped-vol"), /Could not find the file \/ro\/keep in container stopped-vol/);
    assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(base), "every mount is released after the reads");
    assert.ok(!existsSync(join(data, "ro")), "a read creates no mount point");

    // PUT: into the volume (it lands in the volume's directory), a read-only one refused.
    const put = await openContainerRoot(src, true);
    await extractToContainerPath(put, "/srv/data/sub", tarOf([{ path: "new", type: "file", data: "put\n" }]), { noOverwriteDirNonDir: true, containerName: "stopped-vol" });
    assert.equal(readFileSync(join(vol, "sub/new"), "utf8"), "put\n");
    assert.ok(!existsSync(join(data, "srv/data/sub")), "nothing was written under the mount point in the root");
    await assert.rejects(
      extractToContainerPath(await openContainerRoot(src, true), "/ro", tarOf([{ path: "x", type: "file", data: "no\n" }]), { noOverwriteDirNonDir: true, containerName: "stopped-vol" }),
      (e: Error & { kind?: string }) => e.kind === "InvalidArgument" && e.message === "mounted volume is marked read-only",
    );
    assert.deepEqual(readdirSync(roVol), ["keep"]);
    assert.ok(existsSync(join(data, "ro")), "a write creates the mount point, as a start would");
    // The hostile link's mount went inside the root (root/<outside path>), never onto the host path.
    assert.deepEqual(readdirSync(outside), []);
    assert.ok(existsSync(join(data, outside)), "the link's target was created inside the root");
    assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(base), "every mount is released after the writes");
  } finally {
    for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
      const mp = line.split(" ")[4];
      if (mp?.startsWith(base)) spawnSync("umount", ["-l", mp]);
    }
    rmSync(base, { recursive: true, force: true });
  }
});
