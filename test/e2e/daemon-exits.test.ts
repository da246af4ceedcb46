/**
 * berthd's exit monitoring under load: 50 short-lived containers started in parallel through
 * the docker CLI all have their exits recorded with the right codes (exits and SIGKILL),
 * and --rm ones are removed. Waits are for states with a deadline, never timings.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { containerCgroups, daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

test("50 short-lived containers started in parallel: every exit recorded with its code", { skip }, async () => {
  const d: TestDaemon = await startTestDaemon();
  let ids: string[] = [];
  try {
    const tag = randomBytes(3).toString("hex");
    // Exit codes 0..44, plus five killed by SIGKILL from outside (128+9: the shim's `signaled` record).
    const jobs = Array.from({ length: 50 }, (_, i) => ({
      name: `berth-test-x${tag}-${i}`,
      script: i < 45 ? `sleep 0.$((RANDOM % 5)); exit ${i}` : "sleep 60",
      want: i < 45 ? i : 137,
      rm: i % 10 === 9,
    }));
    ids = await pool(jobs, 10, async (j) => d.ok(["run", "-d", "--name", j.name, ...(j.rm ? ["--rm"] : []), "busybox", "sh", "-c", j.script]));
    await pool(jobs.filter((j) => j.want === 137), 5, (j) => d.ok(["kill", j.name]));
    const deadline = Date.now() + 60_000;
    const kept = jobs.filter((j) => !j.rm);
    for (;;) {
      const running = (await d.ok(["ps", "-q", "--filter", `name=berth-test-x${tag}-`])).split("\n").filter(Boolean);
      const all = (await d.ok(["ps", "-aq", "--filter", `name=berth-test-x${tag}-`])).split("\n").filter(Boolean);
      if (running.length === 0 && all.length === kept.length) break;
      if (Date.now() > deadline) assert.fail(`still running: ${running.length}, present: ${all.length}\n${d.log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const got = (await d.ok(["inspect", "-f", "{{.Name}} {{.State.Status}} {{.State.ExitCode}}", ...kept.map((j) => j.name)])).split("\n");
    assert.deepEqual(got, kept.map((j) => `/${j.name} exited ${j.want}`));
    const die = await d.ok(["events", "--since", "0", "--until", String(Math.floor(Date.now() / 1000) + 1), "--filter", "event=die", "--format", "{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}"]);
    const dies = new Set(die.split("\n").filter((l) => l.includes(`berth-test-x${tag}-`)));
    for (const j of jobs) assert.ok(dies.has(`${j.name} ${j.want}`), `die event of ${j.name}`);
    assert.equal(dies.size, jobs.length, "exactly one die per container");
    await d.ok(["rm", ...kept.map((j) => j.name)]);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
  for (const id of ids) assert.deepEqual(containerCgroups(id), []);
});
