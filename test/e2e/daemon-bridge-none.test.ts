/**
 * berthd --bridge none, as dockerd --bridge=none: no default bridge network, and a container on
 * the default network runs with networking disabled (loopback only) instead of failing to find
 * "bridge" (moby's connectToNetwork). Other networks still work as usual.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { daemonSkipReason, withTestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

test("--bridge none: the default network means loopback only; no bridge network listed; exit codes intact", { skip }, async () => {
  await withTestDaemon(async (d) => {
    const nets = await d.ok(["network", "ls", "--format", "{{.Name}}"]);
    assert.deepEqual(nets.split("\n").sort(), ["host", "none"]);
    // Only lo inside, and the container's own exit code comes back through run --rm.
    const r = await d.docker(["run", "--rm", "busybox", "sh", "-c", "ip -o link | cut -d: -f2 | tr -d ' '; exit 7"]);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout.trim(), "lo");
    // Asked for by name it is the same (moby checks the name "bridge", not how it was chosen).
    assert.equal(await d.ok(["run", "--rm", "--network", "bridge", "busybox", "true"]), "");
    const c = `berth-test-bn-${Math.random().toString(16).slice(2, 10)}`;
    await d.ok(["create", "--name", c, "busybox", "true"]);
    const start = await d.docker(["start", "-a", c]);
    assert.equal(start.code, 0, start.stderr);
    await d.ok(["rm", c]);
    assert.equal(await d.ok(["ps", "-aq"]), "");
  }, { args: ["--bridge", "none"] });
});
