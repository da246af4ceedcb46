import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { HostConfig } from "../../api/types/container.js";
import { isEngineError, notFound, type EngineError } from "../../errors/EngineError.js";
import type { ImageConfig } from "../../oci/image.js";
import { buildSpec } from "./buildSpec.js";
import type { ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { declaresMountAt, hasShareableShm, shmMounted, shmPath } from "./ipcShm.js";
import { joinedNamespaces, type JoinedNamespaces } from "./sharedNamespaces.js";

function record(id: string, hostConfig: HostConfig, running = true): ContainerRecord {
  return {
    id, name: id, created: "", image: "busybox", imageId: "sha256:00", config: {}, hostConfig, path: "sh", args: [],
    state: { status: running ? "running" : "exited", pid: running ? 4242 : 0, exitCode: 0, startedAt: "", finishedAt: "", oomKilled: false, error: "" },
    restartCount: 0, dir: `/data/containers/${id}`, logPath: "", owner: "",
  };
}

/** Only what joinedNamespaces uses of the context: the container lookup. */
function context(recs: ContainerRecord[]): ContainerContext {
  const get = (n: string) => {
    const r = recs.find((x) => x.id === n || x.name === n);
    if (!r) throw notFound(`No such container: ${n}`);
    return r;
  };
  return { store: { get } } as unknown as ContainerContext;
}

const failsWith = (kind: EngineError["kind"], msg: string) => (e: unknown) => isEngineError(e, kind) && e.message === msg;

test("shareable: its own shm tmpfs at <dir>/mounts/shm unless it mounts something at /dev/shm itself", () => {
  const r = record("a", { IpcMode: "shareable" });
  assert.equal(shmPath(r), "/data/containers/a/mounts/shm");
  assert.equal(hasShareableShm(r), true);
  assert.equal(hasShareableShm(record("b", { IpcMode: "private" })), false);
  const own = record("c", { IpcMode: "shareable", Tmpfs: { "/dev/shm": "" } });
  assert.equal(declaresMountAt(own, "/dev/shm"), true);
  assert.equal(hasShareableShm(own), false);
  const copied = { ...record("d", { IpcMode: "shareable" }), copiedBinds: [{ source: "/h", destination: "/dev/shm", rw: true, propagation: "rprivate" }] };
  assert.equal(hasShareableShm(copied), false);
});

test("--ipc container:X joins X's namespace and binds the /dev/shm X shares (its own, the host's, or its donor's)", () => {
  const donor = record("donor", { IpcMode: "shareable" });
  const hostIpc = record("hostipc", { IpcMode: "host" });
  const chained = record("chained", { IpcMode: "container:donor" });
  const ctx = context([donor, hostIpc, chained]);
  const mounted = (p: string) => p === shmPath(donor);
  const joined = (r: ContainerRecord) => joinedNamespaces(ctx, r, mounted);
  assert.deepEqual(joined(record("j1", { IpcMode: "container:donor" }, false)), { ipc: "/proc/4242/ns/ipc", shm: shmPath(donor) });
  assert.deepEqual(joined(record("j2", { IpcMode: "container:hostipc" }, false)), { ipc: "/proc/4242/ns/ipc", shm: "/dev/shm" });
  assert.deepEqual(joined(record("j3", { IpcMode: "container:chained" }, false)), { ipc: "/proc/4242/ns/ipc", shm: shmPath(donor) });
  // A /dev/shm of the joiner's own wins (moby's HasMountFor): the namespace is still joined.
  assert.deepEqual(joined(record("j4", { IpcMode: "container:donor", Binds: ["/h:/dev/shm"] }, false)), { ipc: "/proc/4242/ns/ipc" });
  assert.deepEqual(joined(record("j5", { IpcMode: "host" }, false)), { shm: "/dev/shm" });
  assert.deepEqual(joined(record("j6", { IpcMode: "private" }, false)), {});
  // A shareable donor whose shm tmpfs is not mounted (started before berth shared it) shares nothing.
  assert.throws(() => joinedNamespaces(ctx, record("j7", { IpcMode: "container:donor" }, false), () => false), /container donor: non-shareable IPC/);
});

test("shmMounted: a mount point (own device) yes, a plain directory or a missing path no", () => {
  assert.equal(shmMounted("/proc"), true);
  assert.equal(shmMounted("/proc/self"), false);
  assert.equal(shmMounted("/nonexistent-berth-test"), false);
});

test("--ipc container:X: moby's errors for a missing, stopped or non-shareable donor, all 500s at start as moby's spec errors", () => {
  const ctx = context([
    record("priv", { IpcMode: "private" }), record("legacy", {}), record("none", { IpcMode: "none" }),
    record("stopped", { IpcMode: "shareable" }, false), record("ownshm", { IpcMode: "shareable", Tmpfs: { "/dev/shm": "" } }),
    record("viastopped", { IpcMode: "container:stopped" }),
  ]);
  const join = (mode: string) => () => joinedNamespaces(ctx, record("j", { IpcMode: mode }, false));
  assert.throws(join("container:gone"), failsWith("Internal", "failed to join IPC namespace: No such container: gone"));
  assert.throws(join("container:stopped"), failsWith("Internal", "failed to join IPC namespace: container stopped is not running"));
  for (const d of ["priv", "legacy", "none", "ownshm"]) {
    assert.throws(join(`container:${d}`), failsWith("Internal", `failed to join IPC namespace: container ${d}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`), d);
  }
  assert.throws(join("container:viastopped"), failsWith("Internal", "failed to join IPC namespace: container stopped is not running"));
  assert.throws(() => joinedNamespaces(context([record("self", { IpcMode: "container:self" }, false)]), record("self", { IpcMode: "container:self" }, false)), /cannot join own IPC namespace/);
});

const image = { architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [] } } as unknown as ImageConfig;
const spec = (rec: ContainerRecord, joined?: JoinedNamespaces) =>
  buildSpec({ rec, image, rootfs: `${rec.dir}/rootfs`, user: { uid: 0, gid: 0, additionalGids: [] }, etcFiles: { hosts: "/h", hostname: "/hn", resolvConf: "/r" }, network: "none", creating: false, joined }).spec;
const shmMounts = (rec: ContainerRecord, joined?: JoinedNamespaces) => spec(rec, joined).mounts!.filter((m) => m.destination === "/dev/shm");

test("buildSpec: /dev/shm is a tmpfs (private), the host-side tmpfs (shareable) or the shared one (container:, host); none has none", () => {
  const [priv] = shmMounts(record("p", { IpcMode: "private", ShmSize: 8 << 20 }));
  assert.equal(priv.type, "tmpfs");
  assert.ok(priv.options!.includes(`size=${8 << 20}`));
  const shareable = record("s", { IpcMode: "shareable" });
  assert.deepEqual(shmMounts(shareable), [{ destination: "/dev/shm", type: "bind", source: shmPath(shareable), options: ["rbind", "rprivate"] }]);
  assert.deepEqual(shmMounts(record("j", { IpcMode: "container:s" }), { ipc: "/proc/1/ns/ipc", shm: "/x/shm" }), [{ destination: "/dev/shm", type: "bind", source: "/x/shm", options: ["rbind", "rprivate"] }]);
  assert.deepEqual(shmMounts(record("h", { IpcMode: "host" }), { shm: "/dev/shm" }).map((m) => m.source), ["/dev/shm"]);
  assert.deepEqual(shmMounts(record("n", { IpcMode: "none" })), []);
  // The ipc namespace of a joiner is the donor's path; host has none of its own.
  const ns = spec(record("j", { IpcMode: "container:s" }), { ipc: "/proc/1/ns/ipc", shm: "/x/shm" }).linux!.namespaces!;
  assert.deepEqual(ns.find((n) => n.type === "ipc"), { type: "ipc", path: "/proc/1/ns/ipc" });
  assert.equal(spec(record("h", { IpcMode: "host" }), { shm: "/dev/shm" }).linux!.namespaces!.some((n) => n.type === "ipc"), false);
  assert.throws(() => spec(record("b", { IpcMode: "bogus" })), (e: unknown) => isEngineError(e, "InvalidArgument") && e.message === "invalid IPC mode: bogus");
});
