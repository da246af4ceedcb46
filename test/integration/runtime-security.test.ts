import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { makeTestRuntime, runtimeSkipReason, type TestRuntime } from "../helpers/runtime.js";
import { capabilityMask, hexMask } from "../../src/runtime/caps.js";
import { DOCKER_DEFAULT_CAPABILITIES } from "../../src/oci/defaults.js";
import { defaultSeccompProfile } from "../../src/runtime/seccomp/defaultProfile.js";

const skip = runtimeSkipReason();
let rt: TestRuntime;
before(async () => {
  if (!skip) rt = await makeTestRuntime();
});
after(async () => {
  if (rt) await rt.cleanup();
});

test("capabilities: Docker's default set in /proc/self/status; no_new_privs set", { skip }, async () => {
  const r = await rt.run(await rt.bundle({ args: ["grep", "-E", "^(CapBnd|CapEff|CapPrm|CapInh|CapAmb|NoNewPrivs)", "/proc/self/status"] }));
  const m = Object.fromEntries(r.output.trim().split("\n").map((l) => l.split(/:\s+/)));
  const want = hexMask(capabilityMask(DOCKER_DEFAULT_CAPABILITIES));
  assert.equal(m.CapBnd, want, r.output);
  assert.equal(m.CapEff, want);
  assert.equal(m.CapPrm, want);
  assert.equal(m.CapInh, "0000000000000000");
  assert.equal(m.NoNewPrivs, "1");
});

test("a non-root user with a reduced set: caps, uid/gid, groups", { skip }, async () => {
  const b = await rt.bundle({
    args: ["sh", "-c", "id -u; id -g; id -G; grep CapEff /proc/self/status"],
    spec: (s) => {
      s.process!.user = { uid: 1000, gid: 1001, additionalGids: [2000, 2001] };
      s.process!.capabilities = { bounding: ["CAP_KILL"], effective: [], permitted: [], inheritable: [], ambient: [] };
    },
  });
  const r = await rt.run(b);
  const [uid, gid, groups, eff] = r.output.trim().split("\n");
  assert.equal(uid, "1000");
  assert.equal(gid, "1001");
  assert.deepEqual(groups.split(" ").sort(), ["1001", "2000", "2001"]);
  assert.match(eff, /CapEff:\s+0000000000000000/);
});

test("user namespace: uid_map as the spec says, root inside maps to the host range", { skip }, async () => {
  const b = await rt.bundle({
    args: ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"],
    spec: (s) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    },
  });
  const { chown, chmod } = await import("node:fs/promises");
  // The mapped root must be able to reach the rootfs through the (0700) temp directories.
  for (const d of [rt.base, b.bundle]) await chmod(d, 0o755);
  await chown(b.rootfs, 100000, 100000);
  const r = await rt.run(b);
  const lines = r.output.trim().split("\n").map((l) => l.trim().split(/\s+/).join(" "));
  assert.deepEqual(lines, ["0 100000 65536", "0 100000 65536", "0"], r.output);
});

test("read-only root: writes to / fail, /tmp on a tmpfs mount works", { skip }, async () => {
  const b = await rt.bundle({
    readonlyRoot: true,
    args: ["sh", "-c", "touch /x 2>/dev/null && echo wrote-root || echo root-ro; touch /tmp/y && echo wrote-tmp"],
    spec: (s) => s.mounts!.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"] }),
  });
  const r = await rt.run(b);
  assert.equal(r.output.trim(), "root-ro\nwrote-tmp");
});

test("masked paths read empty, readonly paths refuse writes", { skip }, async () => {
  const r = await rt.run(await rt.bundle({ args: ["sh", "-c", "wc -c < /proc/keys; ls /sys/firmware | wc -l; { echo 1 > /proc/sys/kernel/ns_last_pid; } 2>/dev/null && echo wrote || echo ro"] }));
  assert.deepEqual(r.output.trim().split("\n").map((l) => l.trim()), ["0", "0", "ro"]);
});

test("seccomp: the default profile refuses unshare, ordinary commands still work", { skip }, async () => {
  const b = await rt.bundle({
    args: ["sh", "-c", "echo hello; unshare -U true 2>/dev/null && echo unshared || echo refused"],
    spec: (s) => (s.linux!.seccomp = defaultSeccompProfile()),
  });
  const r = await rt.run(b);
  assert.equal(r.output.trim(), "hello\nrefused");
  // The control: the same command without the profile is allowed (the refusal is seccomp's).
  await b.writeSpec((s) => delete s.linux!.seccomp);
  const control = await rt.run(b);
  assert.equal(control.output.trim(), "hello\nunshared");
});
