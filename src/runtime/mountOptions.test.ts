import { test } from "node:test";
import { strict as assert } from "node:assert";
import { MS, parseMountOptions, rootfsPropagationFlags } from "./mountOptions.js";

test("each flag option sets or clears its MS_* bit", () => {
  const rows: [string, number][] = [
    ["ro", MS.RDONLY],
    ["nosuid", MS.NOSUID],
    ["nodev", MS.NODEV],
    ["noexec", MS.NOEXEC],
    ["sync", MS.SYNCHRONOUS],
    ["dirsync", MS.DIRSYNC],
    ["remount", MS.REMOUNT],
    ["mand", MS.MANDLOCK],
    ["noatime", MS.NOATIME],
    ["nodiratime", MS.NODIRATIME],
    ["bind", MS.BIND],
    ["rbind", MS.BIND | MS.REC],
    ["relatime", MS.RELATIME],
    ["strictatime", MS.STRICTATIME],
    ["lazytime", MS.LAZYTIME],
    ["silent", MS.SILENT],
    ["iversion", MS.I_VERSION],
    ["nosymfollow", MS.NOSYMFOLLOW],
  ];
  for (const [opt, bit] of rows) assert.equal(parseMountOptions([opt]).flags, bit, opt);
  const clears: [string, string][] = [
    ["ro", "rw"],
    ["nosuid", "suid"],
    ["nodev", "dev"],
    ["noexec", "exec"],
    ["sync", "async"],
    ["mand", "nomand"],
    ["noatime", "atime"],
    ["nodiratime", "diratime"],
    ["relatime", "norelatime"],
    ["strictatime", "nostrictatime"],
    ["silent", "loud"],
  ];
  for (const [set, clear] of clears) assert.equal(parseMountOptions([set, clear]).flags, 0, `${set} then ${clear}`);
  assert.equal(parseMountOptions(["defaults"]).flags, 0);
});

test("propagation options go to the separate propagation field", () => {
  const rows: [string, number][] = [
    ["private", MS.PRIVATE],
    ["rprivate", MS.PRIVATE | MS.REC],
    ["shared", MS.SHARED],
    ["rshared", MS.SHARED | MS.REC],
    ["slave", MS.SLAVE],
    ["rslave", MS.SLAVE | MS.REC],
    ["unbindable", MS.UNBINDABLE],
    ["runbindable", MS.UNBINDABLE | MS.REC],
  ];
  for (const [opt, bits] of rows) {
    const p = parseMountOptions([opt]);
    assert.equal(p.propagation, bits, opt);
    assert.equal(p.flags, 0, opt);
  }
});

test("unknown options become mount data in order", () => {
  const p = parseMountOptions(["nosuid", "mode=755", "size=65536k", "strictatime"]);
  assert.equal(p.flags, MS.NOSUID | MS.STRICTATIME);
  assert.equal(p.data, "mode=755,size=65536k");
});

test("runc extensions berth does not implement are refused by name", () => {
  assert.throws(() => parseMountOptions(["rro"], "mounts[2].options"), /mounts\[2\]\.options: option "rro" is not supported/);
  assert.throws(() => parseMountOptions(["tmpcopyup"]), /tmpcopyup/);
});

test("rootfs propagation defaults to rslave and is always recursive", () => {
  assert.equal(rootfsPropagationFlags(undefined), MS.SLAVE | MS.REC);
  assert.equal(rootfsPropagationFlags("private"), MS.PRIVATE | MS.REC);
  assert.equal(rootfsPropagationFlags("rshared"), MS.SHARED | MS.REC);
  assert.throws(() => rootfsPropagationFlags("sideways"), /linux\.rootfsPropagation/);
});
