import { test } from "node:test";
import { strict as assert } from "node:assert";
import { buildCreatePlan, CREATE_FLAGS } from "./containerConfig.js";
import { parseFlags } from "./flags.js";

const body = (argv: string[]) => buildCreatePlan(parseFlags(argv, CREATE_FLAGS, "run"), "run", {}, { detach: true, terminal: { stdinTty: false } }).body;

test("run --volumes-from (repeatable) fills HostConfig.VolumesFrom in order; absent without the flag", () => {
  assert.deepEqual(body(["--volumes-from", "data", "--volumes-from", "logs:ro", "busybox"]).HostConfig!.VolumesFrom, ["data", "logs:ro"]);
  assert.equal(body(["busybox"]).HostConfig!.VolumesFrom, undefined);
});
