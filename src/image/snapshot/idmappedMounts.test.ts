import { test } from "node:test";
import { strict as assert } from "node:assert";
import { LauncherUnavailable } from "../../sys/shimLauncher.js";
import type { MountRequest } from "../../sys/Sys.js";
import { mountAllIdmapped, type IdmapSys } from "./idmappedMounts.js";

/** Records calls; `fail` decides per idmapped request what it throws. */
function fakeSys(fail: (n: number) => Error | undefined = () => undefined) {
  const calls: string[] = [];
  let mounted = 0;
  let n = 0;
  const sys: IdmapSys = {
    async idmappedMount(req: MountRequest, u: string, g: string) {
      const e = fail(n++);
      calls.push(`idmapped ${req.fstype || "bind"} ${req.source} ${req.target} ${req.flags} ${req.data} ${req.cwd ?? "-"} ${u} ${g}${e ? " (fails)" : ""}`);
      if (e) throw e;
      mounted++;
    },
    async unmount(target: string) {
      calls.push(`umount ${target}`);
      if (mounted === 0) throw Object.assign(new Error("not mounted"), { code: "EINVAL" });
      mounted--;
    },
  };
  return { sys, calls };
}

test("mountAllIdmapped: each mount as one idmapped request, overlay options as data", async () => {
  const { sys, calls } = fakeSys();
  await mountAllIdmapped([{ type: "overlay", source: "overlay", options: ["index=off", "lowerdir=1/fs:2/fs", "upperdir=3/fs", "workdir=3/work"], cwd: "/s" }], "/c/rootfs", "0:100000:65536", "0:200000:65536", sys);
  assert.deepEqual(calls, ["idmapped overlay overlay /c/rootfs 0 index=off,lowerdir=1/fs:2/fs,upperdir=3/fs,workdir=3/work /s 0:100000:65536 0:200000:65536"]);
  const b = fakeSys();
  await mountAllIdmapped([{ type: "bind", source: "/s/1/fs", options: ["rbind", "ro"] }], "/c/rootfs", "0:1:2", "0:1:2", b.sys);
  assert.deepEqual(b.calls, [`idmapped bind /s/1/fs /c/rootfs ${4096 | 16384 | 1}  - 0:1:2 0:1:2`]);
});

test("mountAllIdmapped: a failure after a mount unmounts it and keeps the error's words", async () => {
  const { sys, calls } = fakeSys((n) => (n === 1 ? Object.assign(new Error("open_tree x: No such file or directory"), { code: "ENOENT" }) : undefined));
  const m = { type: "bind", source: "/a", options: ["rbind"] };
  await assert.rejects(mountAllIdmapped([m, { ...m, source: "/b" }], "/t", "0:1:1", "0:1:1", sys), (e: Error & { kind?: string }) => e.kind === "Internal" && e.message === "mount rootfs: idmapped bind on /t failed: open_tree x: No such file or directory");
  assert.deepEqual(calls.slice(2), ["umount /t", "umount /t"], "unmounted until nothing is left");
});

test("mountAllIdmapped: no launcher is NotImplemented (mount(8) cannot idmap); other types and empty lists refused", async () => {
  const { sys } = fakeSys(() => new LauncherUnavailable("shim launcher: exited"));
  await assert.rejects(mountAllIdmapped([{ type: "bind", source: "/a", options: ["rbind"] }], "/t", "0:1:1", "0:1:1", sys), (e: Error & { kind?: string }) => e.kind === "NotImplemented" && /need the berth-shim launcher/.test(e.message));
  await assert.rejects(mountAllIdmapped([{ type: "tmpfs", source: "tmpfs", options: [] }], "/t", "0:1:1", "0:1:1", fakeSys().sys), /a tmpfs mount cannot be idmapped/);
  await assert.rejects(mountAllIdmapped([], "/t", "0:1:1", "0:1:1", fakeSys().sys), /no mounts given/);
});
