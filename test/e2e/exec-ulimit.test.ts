/**
 * docker exec runs with the container's --ulimit values (as Docker does), not with berthd's own
 * limits: the exec plan carries the rlimits and berth-shim exec applies them.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { daemonSkipReason, startTestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

test("docker exec inherits the container's --ulimit", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const c = `berth-test-ulimit-${randomBytes(4).toString("hex")}`;
    await d.ok(["run", "-d", "--name", c, "--network", "none", "--ulimit", "nofile=1024:2048", "busybox", "sleep", "100"]);
    assert.equal(await d.ok(["exec", c, "sh", "-c", "echo $(ulimit -n) $(ulimit -Hn)"]), "1024 2048");
    await d.ok(["rm", "-f", c]);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
});
