/**
 * docker exec's container events through berthd with the real docker CLI: exec_create and
 * exec_start carry the command, exec_die the exit code; all carry the exec's ID.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { daemonSkipReason, startTestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

test("docker exec shows exec_create, exec_start and exec_die in docker events", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const c = `berth-test-exec-${randomBytes(4).toString("hex")}`;
    await d.ok(["run", "-d", "--name", c, "busybox", "sleep", "100"]);
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const r = await d.docker(["exec", c, "sh", "-c", "exit 3"]);
    assert.equal(r.code, 3);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await d.ok(["events", "--since", since, "--until", until, "--filter", `container=${c}`,
      "--format", "{{.Type}}|{{.Action}}|{{.Actor.Attributes.name}}|{{.Actor.Attributes.exitCode}}|{{.Actor.Attributes.execID}}"]);
    const lines = ev.split("\n").filter((l) => l.includes("|exec_"));
    const execId = lines[0]?.split("|")[4] ?? "";
    assert.match(execId, /^[0-9a-f]{64}$/, ev);
    assert.deepEqual(lines, [
      `container|exec_create: sh -c exit 3|${c}|<no value>|${execId}`,
      `container|exec_start: sh -c exit 3|${c}|<no value>|${execId}`,
      `container|exec_die|${c}|3|${execId}`,
    ]);
    await d.ok(["rm", "-f", c]);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
});
