import { after, before, test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HostConfig } from "../../api/types/container.js";
import type { Spec } from "../../oci/runtime.js";
import { applyUserns, containerUserns, remappedRoot } from "./usernsContainer.js";
import { loadUsernsSettings, optInMapping, resolveRemap } from "./usernsHost.js";

let etcDir = "";
const acc = () => ({ etcDir });

before(async () => {
  etcDir = await mkdtemp(join(tmpdir(), "berth-test-userns-etc-"));
  await writeFile(join(etcDir, "passwd"), "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nberthremap:x:998:998::/nonexistent:/bin/false\n");
  await writeFile(join(etcDir, "group"), "root:x:0:\nalice:x:1000:\nstaff:x:50:\nberthremap:x:998:\n");
  await writeFile(join(etcDir, "subuid"), "alice:100000:65536\n998:300000:65536\n1000:500000:10\n");
  await writeFile(join(etcDir, "subgid"), "alice:100000:65536\nstaff:200000:65536\nberthremap:300000:65536\n");
});
after(() => rm(etcDir, { recursive: true, force: true }));

test("resolveRemap: user ranges by name and uid, group ranges by the user's name by default", async () => {
  const m = await resolveRemap({ user: "alice", createDefault: false }, acc());
  assert.equal(m.name, "alice");
  assert.deepEqual(m.uids, [{ containerID: 0, hostID: 100000, size: 65536 }, { containerID: 65536, hostID: 500000, size: 10 }]);
  assert.deepEqual(m.gids, [{ containerID: 0, hostID: 100000, size: 65536 }]);
  assert.deepEqual(remappedRoot(m), { uid: 100000, gid: 100000 });
});

test("resolveRemap: uid:gid and user:group forms look the group up in subgid", async () => {
  const m = await resolveRemap({ user: "1000", group: "staff", createDefault: false }, acc());
  assert.equal(m.uids[0]!.hostID, 100000);
  assert.deepEqual(m.gids, [{ containerID: 0, hostID: 200000, size: 65536 }]);
  const byId = await resolveRemap({ user: "998", group: "998", createDefault: false }, acc());
  assert.deepEqual([byId.uids[0]!.hostID, byId.gids[0]!.hostID], [300000, 300000]);
});

test("resolveRemap: unknown user or no range is InvalidArgument naming the file", async () => {
  await assert.rejects(resolveRemap({ user: "nobody-here", createDefault: false }, acc()), /no such user "nobody-here"/);
  await assert.rejects(resolveRemap({ user: "alice", group: "nogroup", createDefault: false }, acc()), /no such group "nogroup"/);
  await assert.rejects(resolveRemap({ user: "root", group: "staff", createDefault: false }, acc()), (e: Error) => e.message.includes(`no subordinate uid range for "root" in ${join(etcDir, "subuid")}`));
});

test("optInMapping / loadUsernsSettings: berthremap's ranges, undefined without them", async () => {
  const m = await optInMapping(acc());
  assert.equal(m?.uids[0]?.hostID, 300000);
  const empty = await mkdtemp(join(tmpdir(), "berth-test-userns-empty-"));
  try {
    assert.equal(await optInMapping({ etcDir: empty }), undefined);
    assert.deepEqual(await loadUsernsSettings(undefined, { etcDir: empty }), {});
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
  const s = await loadUsernsSettings("alice", acc());
  assert.equal(s.remap?.name, "alice");
  assert.equal(s.optIn, s.remap);
  await assert.rejects(loadUsernsSettings("root", acc()), /cannot be root/);
});

test("containerUserns: the daemon's remap unless --userns=host; the label opts in", async () => {
  const remap = await resolveRemap({ user: "alice", createDefault: false }, acc());
  const optIn = (await optInMapping(acc()))!;
  const hc = (mode?: string): HostConfig => (mode === undefined ? {} : { UsernsMode: mode });
  assert.equal(containerUserns({ remap, optIn: remap }, hc(), {}), remap);
  assert.equal(containerUserns({ remap, optIn: remap }, hc("host"), { "berth.userns": "auto" }), undefined);
  assert.equal(containerUserns({ optIn }, hc(), {}), undefined);
  assert.equal(containerUserns({ optIn }, hc(), { "berth.userns": "auto" }), optIn);
  assert.equal(containerUserns(undefined, hc(""), null), undefined);
  assert.throws(() => containerUserns({}, hc(), { "berth.userns": "auto" }), /no subordinate ids are configured/);
  assert.throws(() => containerUserns({ optIn }, hc(), { "berth.userns": "yes" }), /the only value is "auto"/);
  assert.throws(() => containerUserns({ remap }, hc("private"), {}), /invalid userns mode: private/);
});

test("applyUserns: a user namespace first, the maps; privileged and --pid=host refused", async () => {
  const m = await resolveRemap({ user: "alice", createDefault: false }, acc());
  const spec: Spec = { ociVersion: "1.0.2", linux: { namespaces: [{ type: "pid" }, { type: "mount" }] } };
  applyUserns(spec, m, {});
  assert.deepEqual(spec.linux!.namespaces!.map((n) => n.type), ["user", "pid", "mount"]);
  assert.deepEqual(spec.linux!.uidMappings, m.uids);
  assert.deepEqual(spec.linux!.gidMappings, m.gids);
  assert.throws(() => applyUserns(spec, m, { Privileged: true }), /privileged mode is incompatible with user namespaces/);
  assert.throws(() => applyUserns(spec, m, { PidMode: "host" }), /host's PID namespace/);
  assert.throws(() => applyUserns(spec, m, { IpcMode: "host" }), /host's IPC namespace/);
});
