/**
 * The berth CLI against berthd: the shared CLI scenarios (test/integration/cli-scenarios.ts),
 * with the docker CLI's output on the same berthd as the oracle, then the daemon's leak check.
 */
import { after, before } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { cliSkipReason, cliTarget, type CliTarget } from "../integration/cli-env.js";
import { registerCliScenarios } from "../integration/cli-scenarios.js";

const skip = daemonSkipReason() ?? cliSkipReason() ?? false;
let daemon: TestDaemon | undefined;
let target: CliTarget | undefined;

before(async () => {
  if (skip) return;
  daemon = await startTestDaemon();
  target = cliTarget(daemon.sock, join(daemon.dir, "home"), ["--network", "none"]);
});

after(async () => {
  if (!daemon) return;
  const forced = await daemon.cleanup();
  assert.deepEqual(forced, [], "berthd left resources behind");
});

registerCliScenarios("berthd", () => target!, skip);
