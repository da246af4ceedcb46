import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../../errors/EngineError.js";
import type { Resources } from "../../oci/runtime.js";
import { parseCpuList, requireSubset } from "./cpuList.js";
import { validateResources } from "./validate.js";

function rejects(r: Resources, pattern: RegExp): void {
  assert.throws(() => validateResources(r), (e: unknown) => isEngineError(e, "InvalidArgument") && pattern.test(e.message));
}

test("validateResources: impossible values name the field and value", () => {
  rejects({ memory: { limit: -5 } }, /memory\.limit: value -5/);
  rejects({ memory: { reservation: -2 } }, /memory\.reservation: value -2/);
  rejects({ memory: { limit: 1 << 30, swap: 1 << 20 } }, /memory\.swap: value 1048576 is below memory\.limit/);
  rejects({ memory: { swappiness: 101 } }, /memory\.swappiness: value 101/);
  rejects({ memory: { kernel: 1 << 20 } }, /memory\.kernel/);
  rejects({ cpu: { shares: 1 } }, /cpu\.shares: value 1 out of range/);
  rejects({ cpu: { shares: 300000 } }, /cpu\.shares: value 300000/);
  rejects({ cpu: { quota: -7 } }, /cpu\.quota: value -7/);
  rejects({ cpu: { quota: 50000, period: -1 } }, /cpu\.period: value -1/);
  rejects({ cpu: { period: 100 } }, /cpu\.period: value 100 out of range/);
  rejects({ cpu: { cpus: "0-x" } }, /cpu\.cpus: invalid list/);
  rejects({ cpu: { mems: "3-1" } }, /cpu\.mems: invalid range/);
  rejects({ pids: { limit: -2 } }, /pids\.limit: value -2/);
  rejects({ blockIO: { weight: 5 } }, /blockIO\.weight: value 5 out of range/);
  rejects({ blockIO: { weight: 1001 } }, /blockIO\.weight: value 1001/);
  rejects({ blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: -1 }] } }, /blockIO\.throttleReadBpsDevice\[0\]\.rate: value -1/);
  rejects({ hugepageLimits: [{ pageSize: "2M", limit: 1 }] }, /hugepageLimits\[0\]\.pageSize/);
  rejects({ devices: [{ allow: true, access: "rwx" }] }, /devices\[0\]\.access/);
  rejects({ unified: { "../memory.max": "1" } }, /unified: key/);
});

test("validateResources: ordinary values and the 0 / -1 conventions pass", () => {
  validateResources({
    memory: { limit: -1, swap: -1, reservation: 0, swappiness: 0 },
    cpu: { shares: 2, quota: -1, period: 0, cpus: "0-1,3", mems: "0" },
    pids: { limit: 0 },
    blockIO: { weight: 0, throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 0 }] },
    devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, { allow: true, type: "c", major: 136, minor: null, access: "rwm" }],
    unified: { "memory.min": "1048576" },
  });
});

test("parseCpuList / requireSubset", () => {
  assert.deepEqual(parseCpuList("0-2,5,4", "f"), [0, 1, 2, 4, 5]);
  assert.deepEqual(parseCpuList("", "f"), []);
  requireSubset("1,3", "0-3", "cpu.cpus", "effective cpus");
  assert.throws(() => requireSubset("2-5", "0-3", "cpu.cpus", "effective cpus"), /cpu\.cpus: "2-5" is not within the parent's effective cpus "0-3" \(not available: 4,5\)/);
});
