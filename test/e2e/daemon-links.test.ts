/**
 * Legacy links (--link) are refused with a clear error, never accepted and ignored (a container
 * counting on one would fail to resolve it later); nothing is created.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { daemonSkipReason, startTestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

test("docker run --link is refused and creates nothing", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const r = await d.docker(["run", "--rm", "--link", "db:database", "busybox", "true"]);
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /legacy container links \(--link\) on the default bridge are not supported by berth/);
    assert.equal(await d.ok(["ps", "-aq"]), "");
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
});
