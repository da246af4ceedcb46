import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { HostConfig } from "../../api/types/container.js";
import { isEngineError, notFound } from "../../errors/EngineError.js";
import type { ContainerRecord, ContainerVolumeMount } from "../containers/ContainerRecord.js";
import { userMounts } from "../containers/userMounts.js";
import { planContainerVolumes } from "./containerVolumes.js";
import { mergeVolumesFrom, mountPointsOf, ownDestinations, parseVolumesFrom, volumesFrom } from "./volumesFrom.js";

const vol = (name: string, destination: string, o: Partial<ContainerVolumeMount> = {}): ContainerVolumeMount => ({
  name, destination, source: `/var/lib/berth/volumes/${name}/_data`, rw: true, mode: "", anonymous: false, ...o,
});

function record(id: string, hostConfig: HostConfig, extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id, name: `n-${id}`, created: "", image: "busybox", imageId: "sha256:00", config: {}, hostConfig, path: "sh", args: [],
    state: { status: "created", pid: 0, exitCode: 0, startedAt: "", finishedAt: "", oomKilled: false, error: "" },
    restartCount: 0, dir: `/d/${id}`, logPath: "", owner: "", ...extra,
  };
}

test("parseVolumesFrom: container[:mode] with moby's checks", () => {
  assert.deepEqual(parseVolumesFrom("data"), { container: "data", rw: true });
  assert.deepEqual(parseVolumesFrom("data:ro"), { container: "data", rw: false });
  assert.deepEqual(parseVolumesFrom("data:rw"), { container: "data", rw: true });
  assert.deepEqual(parseVolumesFrom("data:ro,z"), { container: "data", rw: false });
  assert.deepEqual(parseVolumesFrom("data:"), { container: "data", rw: true });
  assert.throws(() => parseVolumesFrom(""), /volumes-from specification cannot be an empty string/);
  for (const bad of ["data:rslave", "data:nocopy", "data:ro,rw", "data:z,Z", "data:bogus"]) {
    assert.throws(() => parseVolumesFrom(bad), (e: unknown) => isEngineError(e, "InvalidArgument") && /^invalid mode: /.test(e.message), bad);
  }
});

test("mountPointsOf: the source's binds (-v and --mount), volumes and its own copies; no --tmpfs", () => {
  const src = record("s", {
    Binds: ["/host/a:/a:ro,rshared", "named:/n", "/host/b:/b"],
    Mounts: [{ Type: "bind", Source: "/host/c/", Target: "/c/", ReadOnly: true }, { Type: "tmpfs", Target: "/t" }],
    Tmpfs: { "/run": "" },
  }, { volumes: [vol("named", "/n")], copiedBinds: [{ source: "/host/far", destination: "/far", rw: true, propagation: "rprivate" }] });
  const m = mountPointsOf(src);
  assert.deepEqual(m.binds, [
    { source: "/host/a", destination: "/a", rw: false, propagation: "rshared" },
    { source: "/host/b", destination: "/b", rw: true, propagation: "rprivate" },
    { source: "/host/c", destination: "/c", rw: false, propagation: "rprivate" },
    { source: "/host/far", destination: "/far", rw: true, propagation: "rprivate" },
  ]);
  assert.deepEqual(m.volumes.map((v) => v.name), ["named"]);
});

test("mergeVolumesFrom: later sources win a destination, own mounts win over all, :ro never upgraded by :rw", () => {
  const a = { binds: [{ source: "/h/x", destination: "/x", rw: true, propagation: "rprivate" }, { source: "/h/ro", destination: "/ro", rw: false, propagation: "rprivate" }], volumes: [vol("va", "/data"), vol("anon1", "/anon", { anonymous: true })] };
  const b = { binds: [{ source: "/h/y", destination: "/data", rw: true, propagation: "rslave" }], volumes: [vol("vb", "/x"), vol("vb2", "/mine")] };
  const out = mergeVolumesFrom([{ mounts: a, rw: true }, { mounts: b, rw: false }], new Set(["/mine"]));
  // a's /x bind is replaced by b's volume at /x, a's /data volume by b's bind at /data.
  assert.deepEqual(out.binds, [
    { source: "/h/ro", destination: "/ro", rw: false, propagation: "rprivate" },
    { source: "/h/y", destination: "/data", rw: false, propagation: "rslave" },
  ]);
  assert.deepEqual(out.volumes.map((v) => [v.name, v.destination, v.rw, v.mode, v.anonymous, v.copied]), [
    ["anon1", "/anon", true, "", true, true],
    ["vb", "/x", false, "", false, true],
  ]);
  // Copies of a read-only source stay read-only even when asked for :rw (moby: m.RW && ReadWrite(mode)).
  const ro = mergeVolumesFrom([{ mounts: { binds: [], volumes: [vol("v", "/v", { rw: false })] }, rw: true }], new Set());
  assert.equal(ro.volumes[0].rw, false);
});

test("ownDestinations: Binds (paths and names), Mounts and Tmpfs, normalized", () => {
  assert.deepEqual([...ownDestinations({ Binds: ["/h:/a/", "v:/b:ro"], Mounts: [{ Type: "volume", Target: "/c" }], Tmpfs: { "/d//": "" } })].sort(), ["/a", "/b", "/c", "/d"]);
});

test("volumesFrom: resolves sources by name; a missing one is a 400 No such container; none → nothing", () => {
  const recs = new Map([["data", record("d1", { Binds: ["/h/a:/a"] }, { volumes: [vol("v", "/v")] })]]);
  const get = (n: string) => {
    const r = recs.get(n);
    if (!r) throw notFound(`No such container: ${n}`);
    return r;
  };
  const out = volumesFrom(get, { VolumesFrom: ["data:ro"], Binds: ["/h/own:/v"] });
  assert.deepEqual(out.binds, [{ source: "/h/a", destination: "/a", rw: false, propagation: "rprivate" }]);
  assert.deepEqual(out.volumes, []); // /v is the container's own bind
  assert.deepEqual(volumesFrom(get, {}), { binds: [], volumes: [] });
  assert.throws(() => volumesFrom(get, { VolumesFrom: ["gone"] }), (e: unknown) => isEngineError(e, "InvalidArgument") && e.message === "No such container: gone");
  assert.throws(() => volumesFrom(get, { VolumesFrom: ["data:shared"] }), /invalid mode: shared/);
});

test("image volumes at a destination --volumes-from covers are not created", () => {
  const plans = planContainerVolumes({}, { Volumes: { "/data": {}, "/other": {} } }, ["/data"]);
  assert.deepEqual(plans.map((p) => p.destination), ["/other"]);
});

test("userMounts: copied binds and volumes mount like the source's, inspect shows no Mode for copies", () => {
  const { spec, points } = userMounts({}, false, [vol("named", "/n", { copied: true, rw: false }), vol("own", "/o")], [{ source: "/h/a", destination: "/a/b", rw: false, propagation: "rslave" }]);
  assert.deepEqual(spec.map((m) => [m.destination, m.source, m.options]), [
    ["/n", "/var/lib/berth/volumes/named/_data", ["rbind", "ro", "rprivate"]],
    ["/o", "/var/lib/berth/volumes/own/_data", ["rbind", "rw", "rprivate"]],
    ["/a/b", "/h/a", ["rbind", "ro", "rslave"]],
  ]);
  assert.deepEqual(points.map((p) => [p.Type, p.Destination, p.Mode, p.RW, p.Propagation]), [
    ["volume", "/n", "", false, ""],
    ["volume", "/o", "z", true, ""],
    ["bind", "/a/b", "", false, "rslave"],
  ]);
});
