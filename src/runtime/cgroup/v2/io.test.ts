import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { makeV2Fixture } from "../testing/v2Fixture.js";
import { applyIoV2, blkioWeightToIoWeight, ioMaxLines, ioStatsV2 } from "./io.js";

test("blkioWeightToIoWeight and ioMaxLines", () => {
  assert.equal(blkioWeightToIoWeight(10), 1);
  assert.equal(blkioWeightToIoWeight(1000), 10000);
  assert.equal(blkioWeightToIoWeight(500), 4950);
  assert.deepEqual(
    ioMaxLines({
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }, { major: 8, minor: 16, rate: 0 }],
      throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2097152 }],
      throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
      throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 50 }],
    }),
    ["8:0 rbps=1048576 wbps=2097152 riops=100 wiops=50", "8:16 rbps=max"],
  );
});

async function ioCgroup(bfq: boolean) {
  const f = await makeV2Fixture({ bfq });
  await f.fs.writeFile(join(f.mountPoint, "cgroup.subtree_control"), "+io");
  const dir = f.dir("c");
  await f.fs.mkdir(dir);
  f.fs.writes.length = 0;
  return { f, dir };
}

test("v2 io: converted io.weight without BFQ, one io.max line per device", async () => {
  const { f, dir } = await ioCgroup(false);
  try {
    await applyIoV2(f.fs, dir, { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 1000 }], throttleReadBpsDevice: [{ major: 254, minor: 0, rate: 4096 }], throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 10 }] });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [["io.weight", "default 4950"], ["io.weight", "8:0 10000"], ["io.max", "254:0 rbps=4096 wiops=10"]]);
  } finally {
    await f.cleanup();
  }
});

test("v2 io: BFQ takes the OCI weight unconverted", async () => {
  const { f, dir } = await ioCgroup(true);
  try {
    await applyIoV2(f.fs, dir, { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }] });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [["io.bfq.weight", "500"], ["io.bfq.weight", "8:0 300"]]);
  } finally {
    await f.cleanup();
  }
});

test("v2 io stats: io.stat summed over devices", async () => {
  const { f, dir } = await ioCgroup(false);
  try {
    await f.fs.set(join(dir, "io.stat"), "254:0 rbytes=1236992 wbytes=409600 rios=83 wios=12 dbytes=0 dios=0\n8:16 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
    assert.deepEqual(await ioStatsV2(f.fs, dir), {
      readBytes: 1241088, writeBytes: 409600, readOps: 84, writeOps: 12,
      devices: [
        { major: 8, minor: 16, readBytes: 4096, writeBytes: 0, readOps: 1, writeOps: 0 },
        { major: 254, minor: 0, readBytes: 1236992, writeBytes: 409600, readOps: 83, writeOps: 12 },
      ],
    });
  } finally {
    await f.cleanup();
  }
});
