import { test } from "node:test";
import { strict as assert } from "node:assert";
import { ALL_CAPABILITIES, CAPABILITY_NUMBERS, capabilityMask, capabilityMasks, hexMask, maskToNames } from "./caps.js";
import { DOCKER_DEFAULT_CAPABILITIES } from "../oci/defaults.js";

test("capability numbers are contiguous 0..40", () => {
  const nums = Object.values(CAPABILITY_NUMBERS).sort((a, b) => a - b);
  assert.deepEqual(nums, Array.from({ length: 41 }, (_, i) => i));
});

test("masks set bit n for capability n; spellings are normalized", () => {
  assert.equal(capabilityMask(["CAP_CHOWN"]), 1n);
  assert.equal(capabilityMask(["CAP_SYS_ADMIN"]), 1n << 21n);
  assert.equal(capabilityMask(["sys_admin", "CAP_SYS_ADMIN"]), 1n << 21n);
  assert.equal(capabilityMask(["CAP_CHECKPOINT_RESTORE"]), 1n << 40n);
  assert.equal(capabilityMask(ALL_CAPABILITIES), (1n << 41n) - 1n);
});

test("Docker's default set is the well-known 0x00000000a80425fb", () => {
  assert.equal(hexMask(capabilityMask(DOCKER_DEFAULT_CAPABILITIES)), "00000000a80425fb");
  assert.deepEqual(new Set(maskToNames(0xa80425fbn)), new Set(DOCKER_DEFAULT_CAPABILITIES));
});

test("an unknown capability name is an error naming it and the set", () => {
  assert.throws(() => capabilityMasks({ bounding: ["CAP_CHOWN"], effective: ["CAP_FLY"] }), /unknown capability "CAP_FLY" in process\.capabilities\.effective/);
});

test("missing sets are empty masks", () => {
  const m = capabilityMasks({ bounding: ["CAP_KILL"] });
  assert.equal(m.bounding, 1n << 5n);
  assert.equal(m.effective, 0n);
  assert.equal(m.ambient, 0n);
});
