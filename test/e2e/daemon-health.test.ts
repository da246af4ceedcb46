/**
 * berthd health checks end to end with the real docker CLI: healthy after a passing probe,
 * unhealthy after Retries failures with the Log, ps status text, health_status and exec_* events,
 * a probe that times out, NONE, and berth's restart-on-unhealthy label. Short intervals (200 ms);
 * waits are for states, with generous deadlines, never timings.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { containerCgroups, daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;

async function withDaemon(fn: (d: TestDaemon) => Promise<void>): Promise<void> {
  const d = await startTestDaemon();
  let ids: string[] = [];
  try {
    await fn(d);
    ids = (await d.docker(["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
  for (const id of ids) assert.deepEqual(containerCgroups(id), []);
}

const name = () => `berth-test-hc-${randomBytes(4).toString("hex")}`;

interface Health { Status: string; FailingStreak: number; Log: { Start: string; End: string; ExitCode: number; Output: string }[] }

async function health(d: TestDaemon, c: string): Promise<Health | null> {
  return JSON.parse(await d.ok(["inspect", "-f", "{{json .State.Health}}", c]));
}

/** Polls until `pred` holds for the container's Health (deadline 20 s). */
async function waitHealth(d: TestDaemon, c: string, pred: (h: Health) => boolean, what: string): Promise<Health> {
  const deadline = Date.now() + 20_000;
  let last: Health | null = null;
  while (Date.now() < deadline) {
    last = await health(d, c);
    if (last && pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: last Health ${JSON.stringify(last)}\n${d.log()}`);
}

const FAST = ["--health-interval", "200ms", "--health-timeout", "2s"];

test("a passing check makes it healthy; ps shows (healthy); events health_status and exec_*", { skip }, async () => {
  await withDaemon(async (d) => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const n = name();
    await d.ok(["run", "-d", "--name", n, ...FAST, "--health-cmd", "echo ok-from-probe", "busybox", "sleep", "100"]);
    const h = await waitHealth(d, n, (x) => x.Status === "healthy", "healthy after a passing probe");
    assert.equal(h.FailingStreak, 0);
    assert.ok(h.Log.length >= 1 && h.Log.length <= 5);
    assert.equal(h.Log[0].ExitCode, 0);
    assert.equal(h.Log[0].Output, "ok-from-probe\n");
    assert.ok(Date.parse(h.Log[0].End) >= Date.parse(h.Log[0].Start));
    assert.match(await d.ok(["ps", "--filter", `name=${n}`, "--format", "{{.Status}}"]), /^Up .* \(healthy\)$/);
    assert.equal(await d.ok(["ps", "-q", "--filter", "health=healthy", "--filter", `name=${n}`]).then((s) => s.length > 0), true);
    assert.equal(await d.ok(["ps", "-q", "--filter", "health=unhealthy", "--filter", `name=${n}`]), "");
    // Log keeps the last five entries only.
    await waitHealth(d, n, (x) => x.Log.length === 5, "five log entries");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await health(d, n))!.Log.length, 5);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await d.ok(["events", "--since", since, "--until", until, "--filter", `container=${n}`, "--format", "{{.Action}}|{{index .Actor.Attributes \"exitCode\"}}"]);
    const actions = ev.split("\n");
    assert.ok(actions.includes("health_status: healthy|"), ev);
    assert.equal(actions.filter((a) => a.startsWith("health_status")).length, 1, "one event per change of status");
    assert.ok(actions.includes("exec_create: echo ok-from-probe|") || actions.some((a) => a.startsWith("exec_create: /bin/sh -c echo ok-from-probe")), ev);
    assert.ok(actions.some((a) => a.startsWith("exec_start: ")), ev);
    assert.ok(actions.includes("exec_die|0"), ev);
    await d.ok(["rm", "-f", n]);
  });
});

test("failing checks: starting, then unhealthy after Retries with the Log; stopping ends the checks", { skip }, async () => {
  await withDaemon(async (d) => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const n = name();
    await d.ok(["run", "-d", "--name", n, ...FAST, "--health-retries", "2", "--health-cmd", "echo bad >&2; exit 3", "busybox", "sleep", "100"]);
    const first = await health(d, n);
    assert.ok(first, "Health is shown while starting");
    if (first!.Status === "starting") assert.match(await d.ok(["ps", "--filter", `name=${n}`, "--format", "{{.Status}}"]), /\(health: starting\)$/);
    const h = await waitHealth(d, n, (x) => x.Status === "unhealthy", "unhealthy after failures");
    assert.ok(h.FailingStreak >= 2);
    assert.equal(h.Log.at(-1)!.ExitCode, 3);
    assert.equal(h.Log.at(-1)!.Output, "bad\n");
    assert.ok(h.Log.every((e) => e.ExitCode === 3), "every probe failed the same way");
    assert.match(await d.ok(["ps", "--filter", `name=${n}`, "--format", "{{.Status}}"]), /^Up .* \(unhealthy\)$/);
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}} {{.RestartCount}}", n]), "running 0", "Docker does not act on unhealthy");
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await d.ok(["events", "--since", since, "--until", until, "--filter", `container=${n}`, "--filter", "event=health_status", "--format", "{{.Action}}"]);
    assert.ok(ev.split("\n").includes("health_status: unhealthy"), ev);
    await d.ok(["stop", "-t", "1", n]);
    const after = (await health(d, n))!.Log.length;
    await new Promise((r) => setTimeout(r, 800));
    assert.equal((await health(d, n))!.Log.length, after, "no probes after the container stopped");
    await d.ok(["rm", n]);
  });
});

test("StartPeriod: failures inside it do not count", { skip }, async () => {
  await withDaemon(async (d) => {
    const n = name();
    await d.ok(["run", "-d", "--name", n, "--health-interval", "200ms", "--health-start-period", "30s", "--health-retries", "1", "--health-cmd", "exit 1", "busybox", "sleep", "100"]);
    const h = await waitHealth(d, n, (x) => x.Log.length >= 3, "probes ran inside the start period");
    assert.equal(h.Status, "starting");
    assert.equal(h.FailingStreak, 0);
    await d.ok(["rm", "-f", n]);
  });
});

test("a probe past its timeout is killed and counts as a failure with exit -1", { skip }, async () => {
  await withDaemon(async (d) => {
    const n = name();
    await d.ok(["run", "-d", "--name", n, "--health-interval", "200ms", "--health-timeout", "300ms", "--health-retries", "1", "--health-cmd", "sleep 60", "busybox", "sleep", "100"]);
    const h = await waitHealth(d, n, (x) => x.Status === "unhealthy", "unhealthy after a timeout");
    const last = h.Log.at(-1)!;
    assert.equal(last.ExitCode, -1);
    assert.equal(last.Output, "Health check exceeded timeout (300ms)");
    // The killed probe is gone: only the container's own sleep remains.
    const top = await d.ok(["top", n]);
    assert.ok(!/sleep 60/.test(top), top);
    await d.ok(["rm", "-f", n]);
  });
});

test("--no-healthcheck (Test NONE) disables the check; no check means no Health", { skip }, async () => {
  await withDaemon(async (d) => {
    const n = name();
    await d.ok(["run", "-d", "--name", n, "--no-healthcheck", "busybox", "sleep", "100"]);
    assert.deepEqual(JSON.parse(await d.ok(["inspect", "-f", "{{json .Config.Healthcheck}}", n])).Test, ["NONE"]);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await health(d, n), null);
    assert.match(await d.ok(["ps", "--filter", `name=${n}`, "--format", "{{.Status}}"]), /^Up [^(]*$/);
    assert.equal(await d.ok(["ps", "-q", "--filter", "health=none", "--filter", `name=${n}`]).then((s) => s.length > 0), true);
    await d.ok(["rm", "-f", n]);
  });
});

test("label berth.restart-on-unhealthy=true restarts an unhealthy container (event restart reason=unhealthy)", { skip }, async () => {
  await withDaemon(async (d) => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const n = name();
    await d.ok(["run", "-d", "--name", n, "--label", "berth.restart-on-unhealthy=true", "--stop-timeout", "1", ...FAST, "--health-retries", "1",
      "--health-cmd", "test ! -e /tmp/sick", "busybox", "sh", "-c", "touch /tmp/sick; exec sleep 100"]);
    const pid1 = await d.ok(["inspect", "-f", "{{.State.Pid}}", n]);
    const deadline = Date.now() + 20_000;
    let info = "";
    while (Date.now() < deadline) {
      info = await d.ok(["inspect", "-f", "{{.RestartCount}} {{.State.Status}} {{.State.Pid}}", n]);
      const [count, status, pid] = info.split(" ");
      if (Number(count) >= 1 && status === "running" && pid !== pid1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const [count, status, pid] = info.split(" ");
    assert.ok(Number(count) >= 1, info);
    assert.equal(status, "running");
    assert.notEqual(pid, pid1);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await d.ok(["events", "--since", since, "--until", until, "--filter", `container=${n}`, "--filter", "event=restart", "--format", "{{.Action}} {{.Actor.Attributes.reason}}"]);
    assert.ok(ev.split("\n").includes("restart unhealthy"), ev);
    await d.ok(["rm", "-f", n]);
  });
});

test("live restore: checks resume for an adopted container", { skip }, async () => {
  await withDaemon(async (d) => {
    const n = name();
    await d.ok(["run", "-d", "--name", n, ...FAST, "--health-cmd", "true", "busybox", "sleep", "100"]);
    await waitHealth(d, n, (x) => x.Status === "healthy", "healthy before the crash");
    await d.crash();
    const crashedAt = Date.now();
    await d.restart();
    const h = await waitHealth(d, n, (x) => x.Status === "healthy" && Date.parse(x.Log.at(-1)!.Start) > crashedAt, "probes again after the restart");
    assert.equal(h.FailingStreak, 0);
    await d.ok(["rm", "-f", n]);
  });
});
