import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { isEngineError } from "../../src/errors/EngineError.js";
import { sha256Digest } from "../../src/image/digest.js";
import { applyLayer } from "../../src/image/unpack/applyLayer.js";
import { FsHelper } from "../../src/image/unpack/FsHelper.js";
import { buildTar, once, skipUnlessRoot, type TarItem } from "./image-testenv.js";

/** A sandbox: <base>/outside (must stay empty) and <base>/a/b/snap (the layer root). */
async function sandbox() {
  const base = await mkdtemp(join(tmpdir(), "berth-test-unpack-"));
  const root = join(base, "a", "b", "snap");
  await mkdir(root, { recursive: true });
  return { base, root, cleanup: () => rm(base, { recursive: true, force: true }) };
}

const exists = (p: string) => lstat(p).then(() => true, () => false);

test("unpack: hostile tarballs are rejected or contained, the host untouched", { skip: skipUnlessRoot }, async () => {
  const tag = `berth-test-escape-${randomBytes(4).toString("hex")}`;
  const passwdBefore = await stat("/etc/passwd");
  const cases: Array<{ name: string; items: TarItem[]; outcome: "reject" | "contain"; mustNotExist: (base: string, root: string) => string[]; check?: (root: string) => Promise<void> }> = [
    { name: "../ escape", items: [{ path: `../../${tag}`, data: "x" }], outcome: "reject", mustNotExist: (base) => [join(base, "a", tag), join(base, tag)] },
    { name: "deep ../ to /etc", items: [{ path: `../../../../../../../../etc/${tag}`, data: "x" }], outcome: "reject", mustNotExist: () => [`/etc/${tag}`] },
    {
      name: "absolute path is taken relative to the root",
      items: [{ path: `/tmp/${tag}`, data: "x" }],
      outcome: "contain",
      mustNotExist: () => [`/tmp/${tag}`],
      check: async (root) => assert.equal(await readFile(join(root, "tmp", tag), "utf8"), "x"),
    },
    { name: "symlink to /etc then a file through it", items: [{ path: "a", type: "symlink", linkpath: "/etc" }, { path: `a/${tag}`, data: "x" }], outcome: "reject", mustNotExist: () => [`/etc/${tag}`] },
    { name: "symlink to ../../.. then a file through it", items: [{ path: "up", type: "symlink", linkpath: "../../.." }, { path: `up/${tag}`, data: "x" }], outcome: "reject", mustNotExist: (base) => [join(base, tag), join(base, "a", tag)] },
    { name: "hard link to /etc/passwd", items: [{ path: "h", type: "hardlink", linkpath: "/etc/passwd" }], outcome: "reject", mustNotExist: (_b, root) => [join(root, "h")] },
    { name: "hard link to ../x", items: [{ path: "h", type: "hardlink", linkpath: `../${tag}` }], outcome: "reject", mustNotExist: (_b, root) => [join(root, "h")] },
    { name: "hard link through a symlinked dir", items: [{ path: "s", type: "symlink", linkpath: "/etc" }, { path: "h", type: "hardlink", linkpath: "s/passwd" }], outcome: "reject", mustNotExist: (_b, root) => [join(root, "h")] },
    {
      name: "deep .. through a symlinked dir",
      items: [{ path: "d", type: "dir" }, { path: "d/l", type: "symlink", linkpath: "/tmp" }, { path: `d/l/../../${tag}`, data: "x" }],
      outcome: "reject",
      mustNotExist: (base) => [`/tmp/${tag}`, join(base, "a", "b", tag)],
    },
    {
      name: "hard link to a symlink pointing out links the symlink itself",
      items: [{ path: "s", type: "symlink", linkpath: "/etc/passwd" }, { path: "h", type: "hardlink", linkpath: "s" }],
      outcome: "contain",
      mustNotExist: () => [],
      check: async (root) => {
        assert.ok((await lstat(join(root, "h"))).isSymbolicLink());
        assert.equal(await readlink(join(root, "h")), "/etc/passwd");
      },
    },
    {
      name: "a file entry replaces a symlink instead of writing through it",
      items: [{ path: "l", type: "symlink", linkpath: `/tmp/${tag}` }, { path: "l", data: "inside" }],
      outcome: "contain",
      mustNotExist: () => [`/tmp/${tag}`],
      check: async (root) => assert.equal(await readFile(join(root, "l"), "utf8"), "inside"),
    },
    {
      name: "a directory entry replaces a symlink to a host directory",
      items: [{ path: "etc", type: "symlink", linkpath: "/etc" }, { path: "etc", type: "dir", mode: 0o700 }, { path: `etc/${tag}`, data: "x" }],
      outcome: "contain",
      mustNotExist: () => [`/etc/${tag}`],
      check: async (root) => assert.ok((await lstat(join(root, "etc"))).isDirectory()),
    },
    { name: "whiteout of ..", items: [{ path: "d/.wh...", data: "" }], outcome: "reject", mustNotExist: () => [] },
    { name: "whiteout through a symlink", items: [{ path: "s", type: "symlink", linkpath: "/etc" }, { path: "s/.wh.passwd", data: "" }], outcome: "reject", mustNotExist: () => [] },
    { name: "opaque marker through a symlink", items: [{ path: "s", type: "symlink", linkpath: "/tmp" }, { path: "s/.wh..wh..opq", data: "" }], outcome: "reject", mustNotExist: () => [] },
  ];
  const helper = FsHelper.start();
  try {
    for (const c of cases) {
      const sb = await sandbox();
      try {
        const tar = buildTar(c.items);
        if (c.outcome === "reject") {
          await assert.rejects(applyLayer(sb.root, once(tar)), (e) => isEngineError(e, "InvalidArgument"), c.name);
        } else {
          await applyLayer(sb.root, once(tar));
          await c.check?.(sb.root);
        }
        for (const p of c.mustNotExist(sb.base, sb.root)) assert.equal(await exists(p), false, `${c.name}: ${p} must not exist`);
        // nothing was written beside the snapshot root
        assert.deepEqual(await (await import("node:fs/promises")).readdir(join(sb.base, "a", "b")), ["snap"], c.name);
        assert.equal((await (await import("node:fs/promises")).readdir(join(sb.base))).join(), "a", c.name);
        // the host's /tmp opaque state is untouched
        assert.equal((await helper.lgetxattrs("/tmp")).has("trusted.overlay.opaque"), false, c.name);
      } finally {
        await sb.cleanup();
      }
    }
  } finally {
    await helper.close();
  }
  const passwdAfter = await stat("/etc/passwd");
  assert.equal(passwdAfter.nlink, passwdBefore.nlink, "no hard link to /etc/passwd was made");
  assert.equal(passwdAfter.mtimeMs, passwdBefore.mtimeMs);
});

test("unpack: whiteouts, ownership, modes, times, xattrs, links, devices and fifos", { skip: skipUnlessRoot }, async () => {
  const sb = await sandbox();
  const helper = FsHelper.start();
  try {
    const cap = Buffer.from("0100000200200000000000000000000000000000", "hex"); // cap_net_bind_service+ep
    const mtime = new Date("2021-03-04T05:06:07Z");
    const tar = buildTar([
      { path: "./", type: "dir", mode: 0o755, mtime },
      { path: "etc/", type: "dir", mode: 0o755, mtime },
      { path: "etc/.wh.removed", data: "" },
      { path: "opaque/", type: "dir", mode: 0o750, uid: 5, gid: 6, mtime },
      { path: "opaque/.wh..wh..opq", data: "" },
      { path: "opaque/kept", data: "k", mtime },
      { path: "bin/", type: "dir", mtime },
      { path: "bin/ping", data: "ELF", mode: 0o4755, uid: 0, gid: 0, mtime, xattrs: new Map([["security.capability", cap], ["user.note", Buffer.from("hi")]]) },
      { path: "bin/owned", data: "o", mode: 0o640, uid: 1234, gid: 4321, mtime },
      { path: "bin/ping2", type: "hardlink", linkpath: "bin/ping" },
      { path: "bin/sh", type: "symlink", linkpath: "busybox", mtime },
      { path: "dev/", type: "dir", mtime },
      { path: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666, mtime },
      { path: "dev/fifo", type: "fifo", mode: 0o600, mtime },
      { path: "aufs/.wh..wh.plnk", data: "" },
      { path: `${"long/".repeat(30)}file-with-a-long-name`, data: "deep" },
    ]);
    const res = await applyLayer(sb.root, once(gzipSync(tar)), { expectedDiffId: sha256Digest(tar) });
    assert.equal(res.compression, "gzip");
    assert.equal(res.diffId, sha256Digest(tar));
    const wh = await lstat(join(sb.root, "etc/removed"));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, "whiteout → 0/0 char device");
    assert.equal((await helper.lgetxattrs(join(sb.root, "opaque"))).get("trusted.overlay.opaque")?.toString(), "y");
    assert.equal(await exists(join(sb.root, "opaque/.wh..wh..opq")), false);
    const o = await lstat(join(sb.root, "opaque"));
    assert.deepEqual([o.uid, o.gid, o.mode & 0o7777], [5, 6, 0o750]);
    assert.equal(o.mtime.getTime(), mtime.getTime(), "directory mtime kept after its children were written");
    const ping = await lstat(join(sb.root, "bin/ping"));
    assert.equal(ping.mode & 0o7777, 0o4755, "setuid kept (chmod after chown)");
    assert.equal(ping.nlink, 2, "hard link");
    assert.equal(ping.mtime.getTime(), mtime.getTime());
    const x = await helper.lgetxattrs(join(sb.root, "bin/ping"));
    assert.deepEqual(x.get("security.capability"), cap, "file capability kept (set after chown)");
    assert.equal(x.get("user.note")?.toString(), "hi");
    const owned = await lstat(join(sb.root, "bin/owned"));
    assert.deepEqual([owned.uid, owned.gid, owned.mode & 0o777], [1234, 4321, 0o640]);
    assert.equal(await readlink(join(sb.root, "bin/sh")), "busybox");
    const dn = await lstat(join(sb.root, "dev/null"));
    assert.ok(dn.isCharacterDevice());
    assert.equal(dn.rdev, 259);
    assert.ok((await lstat(join(sb.root, "dev/fifo"))).isFIFO());
    assert.equal(await exists(join(sb.root, "aufs/.wh..wh.plnk")), false);
    assert.equal(await readFile(join(sb.root, `${"long/".repeat(30)}file-with-a-long-name`), "utf8"), "deep");
  } finally {
    await helper.close();
    await sb.cleanup();
  }
});

test("unpack: plain, gzip and zstd give one diff id; a wrong diff id is InvalidArgument", { skip: skipUnlessRoot }, async () => {
  const tar = buildTar([{ path: "f", data: "same bytes" }]);
  const zst = execFileSync("zstd", ["-q", "-c"], { input: tar });
  for (const [blob, kind] of [[tar, "none"], [gzipSync(tar), "gzip"], [zst, "zstd"]] as const) {
    const sb = await sandbox();
    try {
      const r = await applyLayer(sb.root, once(blob));
      assert.equal(r.compression, kind);
      assert.equal(r.diffId, sha256Digest(tar));
      assert.equal(await readFile(join(sb.root, "f"), "utf8"), "same bytes");
    } finally {
      await sb.cleanup();
    }
  }
  const sb = await sandbox();
  try {
    await assert.rejects(applyLayer(sb.root, once(gzipSync(tar)), { expectedDiffId: sha256Digest("other") }), (e) => isEngineError(e, "InvalidArgument") && /diff id mismatch/.test(e.message));
    await assert.rejects(applyLayer(sb.root, once(Buffer.concat([gzipSync(tar).subarray(0, 30)]))), (e) => isEngineError(e, "InvalidArgument") || isEngineError(e, "Internal"));
    await assert.rejects(applyLayer(sb.root, once(zst.subarray(0, zst.length - 4))), (e) => isEngineError(e, "InvalidArgument"));
  } finally {
    await sb.cleanup();
  }
});

test("unpack: device nodes are skipped when unprivileged", { skip: skipUnlessRoot }, async () => {
  const sb = await sandbox();
  try {
    const r = await applyLayer(sb.root, once(buildTar([{ path: "dev/sda", type: "block", devmajor: 8, devminor: 0 }, { path: "dev/null", type: "char", devmajor: 1, devminor: 3 }, { path: "ok", data: "1", uid: 4242 }])), { privileged: false });
    assert.equal(r.skippedDevices, 2);
    assert.equal(await exists(join(sb.root, "dev/sda")), false);
    assert.equal((await lstat(join(sb.root, "ok"))).uid, 0, "ownership not applied when unprivileged");
  } finally {
    await sb.cleanup();
  }
});

test("diff: overlay whiteouts and opaque dirs go back to .wh. form, and re-apply identically", { skip: skipUnlessRoot }, async () => {
  const { diffTar } = await import("../../src/image/unpack/diffLayer.js");
  const { LazyFsHelper } = await import("../../src/image/unpack/FsHelper.js");
  const { readTar } = await import("../../src/image/unpack/tarReader.js");
  const src = await sandbox();
  const dst = await sandbox();
  const lazy = new LazyFsHelper();
  try {
    const original = buildTar([
      { path: "gone/", type: "dir" },
      { path: "gone/.wh.file", data: "" },
      { path: "op/", type: "dir", mode: 0o711 },
      { path: "op/.wh..wh..opq", data: "" },
      { path: "op/new", data: "n", uid: 7, gid: 8, mode: 0o600 },
      { path: "op/new-link", type: "hardlink", linkpath: "op/new" },
      { path: "s", type: "symlink", linkpath: "/nowhere" },
    ]);
    await applyLayer(src.root, once(original));
    const chunks: Buffer[] = [];
    for await (const c of diffTar(src.root, lazy)) chunks.push(c);
    const diff = Buffer.concat(chunks);
    const entries: Array<[string, string]> = [];
    for await (const { entry } of readTar(once(diff))) entries.push([entry.path, entry.type]);
    assert.deepEqual(entries, [
      ["gone/", "dir"],
      ["gone/.wh.file", "file"],
      ["op/", "dir"],
      ["op/.wh..wh..opq", "file"],
      ["op/new", "file"],
      ["op/new-link", "hardlink"],
      ["s", "symlink"],
    ]);
    await applyLayer(dst.root, once(diff));
    const wh = await lstat(join(dst.root, "gone/file"));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0);
    assert.equal((await lazy.get().lgetxattrs(join(dst.root, "op"))).get("trusted.overlay.opaque")?.toString(), "y");
    const n = await lstat(join(dst.root, "op/new"));
    assert.deepEqual([n.uid, n.gid, n.mode & 0o777, n.nlink], [7, 8, 0o600, 2]);
  } finally {
    await lazy.close();
    await src.cleanup();
    await dst.cleanup();
  }
});
