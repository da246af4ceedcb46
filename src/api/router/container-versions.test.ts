import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { ContainerInspect } from "../types/container.js";
import { containerInspectForVersion } from "./container-versions.js";

const id = "0123456789ab".padEnd(64, "c");
const inspect = (networks: Record<string, { Aliases?: string[] | null }>) =>
  ({ Id: id, NetworkSettings: { Networks: networks } }) as unknown as ContainerInspect;

test("from API 1.45 on, Aliases are what the user sent", () => {
  const c = inspect({ front: { Aliases: ["web"] } });
  assert.equal(containerInspectForVersion(c, "1.45"), c);
  assert.equal(containerInspectForVersion(c, "1.47"), c);
});

test("below 1.45, user-defined networks' Aliases also hold the short id, once; predefined networks do not", () => {
  const c = inspect({ front: { Aliases: ["web"] }, back: { Aliases: null }, again: { Aliases: ["0123456789ab"] }, bridge: { Aliases: null } });
  const out = containerInspectForVersion(c, "1.44").NetworkSettings.Networks;
  assert.deepEqual(out.front.Aliases, ["web", "0123456789ab"]);
  assert.deepEqual(out.back.Aliases, ["0123456789ab"]);
  assert.deepEqual(out.again.Aliases, ["0123456789ab"]);
  assert.equal(out.bridge.Aliases, null);
  assert.deepEqual(c.NetworkSettings.Networks.front.Aliases, ["web"], "the input is not changed");
});
