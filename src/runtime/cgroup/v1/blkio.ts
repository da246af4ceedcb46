import { invalidArgument } from "../../../errors/EngineError.js";
import type { BlockIOResources, ThrottleDevice } from "../../../oci/runtime.js";
import type { CgroupStats } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { hasFile, intString, readOptional, writeControl } from "../control.js";

/**
 * blkio controller, v1. Weights go to the CFQ files (blkio.weight) where they exist, else to
 * BFQ's (blkio.bfq.weight; newer kernels have only BFQ). Throttles are "MAJ:MIN value", one
 * device per write; a 0 rate removes the device's limit.
 */
export async function applyBlkioV1(fs: CgroupFs, dir: string, b: BlockIOResources): Promise<void> {
  const prefix = (await hasFile(fs, dir, "blkio.weight")) ? "blkio." : (await hasFile(fs, dir, "blkio.bfq.weight")) ? "blkio.bfq." : undefined;
  const needsWeight = !!b.weight || (b.weightDevice ?? []).some((d) => !!d.weight);
  if (needsWeight && prefix === undefined) throw invalidArgument("blockIO.weight: no weight-based I/O scheduler here (neither blkio.weight nor blkio.bfq.weight exists)");
  if (b.weight) await writeControl(fs, dir, `${prefix}weight`, intString(b.weight), { field: "blockIO.weight" });
  if (b.leafWeight) {
    if (!(await hasFile(fs, dir, "blkio.leaf_weight"))) throw invalidArgument(`blockIO.leafWeight: value ${b.leafWeight} not supported by this kernel (no blkio.leaf_weight)`);
    await writeControl(fs, dir, "blkio.leaf_weight", intString(b.leafWeight), { field: "blockIO.leafWeight" });
  }
  for (const [i, d] of (b.weightDevice ?? []).entries()) {
    if (d.weight) await writeControl(fs, dir, `${prefix}weight_device`, `${d.major}:${d.minor} ${d.weight}`, { field: `blockIO.weightDevice[${i}]` });
    if (d.leafWeight) {
      if (!(await hasFile(fs, dir, "blkio.leaf_weight_device"))) throw invalidArgument(`blockIO.weightDevice[${i}].leafWeight: not supported by this kernel (no blkio.leaf_weight_device)`);
      await writeControl(fs, dir, "blkio.leaf_weight_device", `${d.major}:${d.minor} ${d.leafWeight}`, { field: `blockIO.weightDevice[${i}].leafWeight` });
    }
  }
  const throttle = async (name: string, file: string, list: ThrottleDevice[] | undefined) => {
    for (const [i, d] of (list ?? []).entries()) {
      await writeControl(fs, dir, file, `${d.major}:${d.minor} ${intString(d.rate)}`, { field: `blockIO.${name}[${i}]` });
    }
  };
  await throttle("throttleReadBpsDevice", "blkio.throttle.read_bps_device", b.throttleReadBpsDevice);
  await throttle("throttleWriteBpsDevice", "blkio.throttle.write_bps_device", b.throttleWriteBpsDevice);
  await throttle("throttleReadIOPSDevice", "blkio.throttle.read_iops_device", b.throttleReadIOPSDevice);
  await throttle("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice);
}

type IoStats = NonNullable<CgroupStats["io"]>;
type DeviceIo = NonNullable<IoStats["devices"]>[number];

/** Lines "MAJ:MIN Read|Write|Sync|Async|Discard|Total N" plus a final "Total N". */
function addBlkioFile(text: string, devices: Map<string, DeviceIo>, read: "readBytes" | "readOps", write: "writeBytes" | "writeOps"): void {
  for (const line of text.split("\n")) {
    const m = /^(\d+):(\d+)\s+(\w+)\s+(\d+)$/.exec(line.trim());
    if (!m) continue;
    const key = `${m[1]}:${m[2]}`;
    let d = devices.get(key);
    if (!d) {
      d = { major: Number(m[1]), minor: Number(m[2]), readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
      devices.set(key, d);
    }
    if (m[3] === "Read") d[read] += Number(m[4]);
    else if (m[3] === "Write") d[write] += Number(m[4]);
  }
}

/** I/O done by the cgroup and its children, from the throttle layer (it sees every bio, whatever the scheduler). */
export async function blkioStatsV1(fs: CgroupFs, dir: string): Promise<IoStats> {
  const devices = new Map<string, DeviceIo>();
  addBlkioFile((await readOptional(fs, dir, "blkio.throttle.io_service_bytes_recursive")) ?? "", devices, "readBytes", "writeBytes");
  addBlkioFile((await readOptional(fs, dir, "blkio.throttle.io_serviced_recursive")) ?? "", devices, "readOps", "writeOps");
  const list = [...devices.values()].sort((a, b) => a.major - b.major || a.minor - b.minor);
  return {
    readBytes: list.reduce((s, d) => s + d.readBytes, 0),
    writeBytes: list.reduce((s, d) => s + d.writeBytes, 0),
    readOps: list.reduce((s, d) => s + d.readOps, 0),
    writeOps: list.reduce((s, d) => s + d.writeOps, 0),
    devices: list,
  };
}
