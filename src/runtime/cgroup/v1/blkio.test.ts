import { test } from "node:test";
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isEngineError } from "../../../errors/EngineError.js";
import { makeV1Fixture } from "../testing/v1Fixture.js";
import { applyBlkioV1, blkioStatsV1 } from "./blkio.js";

test("v1 blkio: weight to BFQ when CFQ files are absent, per-device weight, one throttle per write", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("blkio", "c");
    await f.fs.mkdir(dir);
    await applyBlkioV1(f.fs, dir, {
      weight: 300,
      weightDevice: [{ major: 8, minor: 0, weight: 500 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }, { major: 8, minor: 16, rate: 0 }],
      throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2097152 }],
      throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
      throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 50 }],
    });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [
      ["blkio.bfq.weight", "300"],
      ["blkio.bfq.weight_device", "8:0 500"],
      ["blkio.throttle.read_bps_device", "8:0 1048576"],
      ["blkio.throttle.read_bps_device", "8:16 0"],
      ["blkio.throttle.write_bps_device", "8:0 2097152"],
      ["blkio.throttle.read_iops_device", "8:0 100"],
      ["blkio.throttle.write_iops_device", "8:0 50"],
    ]);
    await assert.rejects(applyBlkioV1(f.fs, dir, { leafWeight: 100 }), (e: unknown) => isEngineError(e, "InvalidArgument") && /blockIO\.leafWeight: value 100 not supported/.test(e.message));
  } finally {
    await f.cleanup();
  }
});

test("v1 blkio: CFQ's blkio.weight is preferred when it exists", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("blkio", "c");
    await f.fs.mkdir(dir);
    await f.fs.set(join(dir, "blkio.weight"), "500");
    await applyBlkioV1(f.fs, dir, { weight: 700 });
    assert.deepEqual(f.fs.writesUnder(f.fs.rel(dir)), [["blkio.weight", "700"]]);
  } finally {
    await f.cleanup();
  }
});

test("v1 blkio stats: Read/Write summed per device from the recursive throttle files", async () => {
  const f = await makeV1Fixture();
  try {
    const dir = f.dir("blkio", "c");
    await f.fs.mkdir(dir);
    await f.fs.set(join(dir, "blkio.throttle.io_service_bytes_recursive"), [
      "8:16 Read 4096", "8:16 Write 0", "8:16 Sync 4096", "8:16 Async 0", "8:16 Discard 0", "8:16 Total 4096",
      "254:0 Read 1236992", "254:0 Write 409600", "254:0 Sync 1646592", "254:0 Async 0", "254:0 Discard 0", "254:0 Total 1646592",
      "Total 1650688", "",
    ].join("\n"));
    await f.fs.set(join(dir, "blkio.throttle.io_serviced_recursive"), [
      "8:16 Read 1", "8:16 Write 0", "8:16 Total 1", "254:0 Read 83", "254:0 Write 12", "254:0 Total 95", "Total 96", "",
    ].join("\n"));
    assert.deepEqual(await blkioStatsV1(f.fs, dir), {
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
