/**
 * `berth run` with --health-*, --no-healthcheck, --init and --device against berthd: what the
 * daemon got (docker inspect as the oracle) and what the container sees.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { cliSkipReason, runCli, type CliRun } from "../integration/cli-env.js";

const skip = daemonSkipReason() ?? cliSkipReason() ?? false;

const berth = (d: TestDaemon, args: string[]): Promise<CliRun> => runCli("berth", d.sock, join(d.dir, "home"), args);

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await berth(d, args);
  if (r.code !== 0) throw new Error(`berth ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

test("berth run: health flags reach the daemon and the probe runs; --init and --device work", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const c = `berth-test-clihc-${randomBytes(4).toString("hex")}`;
    await ok(d, ["run", "-d", "--name", c, "--health-cmd", "echo probe-ran", "--health-interval", "200ms", "--health-timeout", "2s",
      "--health-start-period", "1s", "--health-start-interval", "100ms", "--health-retries", "2", "busybox", "sleep", "100"]);
    assert.deepEqual(JSON.parse(await d.ok(["inspect", "-f", "{{json .Config.Healthcheck}}", c])),
      { Test: ["CMD-SHELL", "echo probe-ran"], Interval: 2e8, Timeout: 2e9, StartPeriod: 1e9, StartInterval: 1e8, Retries: 2 });
    let status = "";
    for (let i = 0; i < 200 && status !== "healthy"; i++) {
      status = await d.ok(["inspect", "-f", "{{.State.Health.Status}}", c]);
      if (status !== "healthy") await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, "healthy");
    const none = `${c}-none`;
    await ok(d, ["create", "--name", none, "--no-healthcheck", "busybox"]);
    assert.equal(await d.ok(["inspect", "-f", "{{json .Config.Healthcheck.Test}}", none]), '["NONE"]');
    const conflict = await berth(d, ["run", "--no-healthcheck", "--health-cmd", "x", "busybox"]);
    assert.equal(conflict.code, 125);
    assert.match(conflict.stderr, /--no-healthcheck conflicts with --health-\* options/);

    assert.equal(await ok(d, ["run", "--rm", "--init", "busybox", "cat", "/proc/1/comm"]), "docker-init");
    assert.equal(await ok(d, ["run", "--rm", "--device", "/dev/null:/dev/mynull:rw", "busybox", "sh", "-c", "echo x > /dev/mynull && stat -c %t:%T /dev/mynull"]), "1:3");
    const badDevice = await berth(d, ["run", "--rm", "--device", "/dev/null:/dev/x:rx", "busybox", "true"]);
    assert.equal(badDevice.code, 125);
    assert.match(badDevice.stderr, /bad mode specified: rx/);
    await d.ok(["rm", "-f", c, none]);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
});
