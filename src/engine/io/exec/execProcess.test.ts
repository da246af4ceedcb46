import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execProcess, mergeEnv } from "./execProcess.js";

test("exec env: entries replace the container's by name, order kept", () => {
  assert.deepEqual(mergeEnv(["PATH=/bin", "A=1"], ["A=2", "B=3", "C"]), ["PATH=/bin", "A=2", "B=3"]);
});

test("exec process: the container's process with Docker's exec overrides", async () => {
  const root = mkdtempSync(join(tmpdir(), "berth-test-execp-"));
  try {
    mkdirSync(join(root, "etc"));
    writeFileSync(join(root, "etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
    writeFileSync(join(root, "etc/group"), "root:x:0:\nextra:x:2000:app\n");
    const base = { user: { uid: 5, gid: 5 }, cwd: "/srv", env: ["PATH=/bin", "TERM=dumb"], noNewPrivileges: true, rlimits: [{ type: "RLIMIT_NOFILE", soft: 10, hard: 10 }] };
    const p = await execProcess(base, { Cmd: ["sh", "-c", "x"], User: "app", Env: ["X=1"] }, { rootfs: root });
    assert.deepEqual(p.user, { uid: 1000, gid: 1001, additionalGids: [2000] });
    assert.equal(p.cwd, "/srv");
    assert.deepEqual(p.env, ["PATH=/bin", "TERM=dumb", "X=1"]);
    assert.equal(p.noNewPrivileges, true);
    assert.deepEqual(p.args, ["sh", "-c", "x"]);
    const t = await execProcess({ ...base, env: ["PATH=/bin"] }, { Cmd: ["sh"], Tty: true, WorkingDir: "/tmp" }, { rootfs: root, consoleSize: [24, 80] });
    assert.deepEqual(t.user, { uid: 5, gid: 5 }, "no User: the container's user stays");
    assert.deepEqual(t.env, ["PATH=/bin", "TERM=xterm"]);
    assert.deepEqual(t.consoleSize, { height: 24, width: 80 });
    assert.equal(t.cwd, "/tmp");
    await assert.rejects(execProcess(base, { Cmd: ["sh"], User: "ghost" }, { rootfs: root }), /unable to find user ghost/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
