/**
 * The berth CLI against Debian's dockerd (the reference daemon): the shared scenarios, with the
 * docker CLI's output on the same daemon as the oracle. busybox:latest is imported from the
 * host's busybox-static (the same layer berth builds its default image from).
 */
import { after, before } from "node:test";
import { defaultImageLayerTar } from "../../src/image/defaultImage.js";
import { dockerdSkipReason, startTestDockerd, type TestDockerd } from "../helpers/registry.js";
import { cliSkipReason, cliTarget, type CliTarget } from "./cli-env.js";
import { registerCliScenarios } from "./cli-scenarios.js";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const skip = (process.getuid?.() !== 0 ? "needs root (dockerd)" : undefined) ?? dockerdSkipReason() ?? cliSkipReason() ?? false;
let dockerd: TestDockerd | undefined;
let target: CliTarget | undefined;
let home = "";

before(async () => {
  if (skip) return;
  dockerd = await startTestDockerd();
  home = await mkdtemp(join(tmpdir(), "berth-test-cli-home-"));
  await mkdir(join(home, ".docker"), { recursive: true });
  const parts: Buffer[] = [];
  for await (const c of defaultImageLayerTar()) parts.push(c);
  dockerd.docker(["import", "-c", 'CMD ["sh"]', "-", "busybox:latest"], Buffer.concat(parts));
  target = cliTarget(dockerd.sock, home, ["--network", "none"]);
});

after(async () => {
  await dockerd?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

registerCliScenarios("dockerd", () => target!, skip);
