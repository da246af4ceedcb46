import { invalidArgument } from "../../../errors/EngineError.js";
import type { BlockIOResources, ThrottleDevice } from "../../../oci/runtime.js";
import type { CgroupStats } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { hasFile, intString, readOptional, writeControl } from "../control.js";

/** OCI/v1 blkio weight (10..1000) to io.weight (1..10000), runc's linear mapping. */
export function blkioWeightToIoWeight(w: number): number {
  return 1 + Math.floor(((w - 10) * 9999) / 990);
}

/**
 * io.max lines, one per device with every throttle of that device: "MAJ:MIN rbps=N wbps=N
 * riops=N wiops=N" (only the keys given; a 0 rate is "max", i.e. no limit, as on v1).
 */
export function ioMaxLines(b: BlockIOResources): string[] {
  const byDevice = new Map<string, string[]>();
  const add = (key: string, list: ThrottleDevice[] | undefined) => {
    for (const d of list ?? []) {
      const dev = `${d.major}:${d.minor}`;
      const entries = byDevice.get(dev) ?? [];
      entries.push(`${key}=${d.rate === 0 ? "max" : intString(d.rate)}`);
      byDevice.set(dev, entries);
    }
  };
  add("rbps", b.throttleReadBpsDevice);
  add("wbps", b.throttleWriteBpsDevice);
  add("riops", b.throttleReadIOPSDevice);
  add("wiops", b.throttleWriteIOPSDevice);
  return [...byDevice].map(([dev, entries]) => `${dev} ${entries.join(" ")}`);
}

/**
 * io controller, v2. With BFQ present (io.bfq.weight) the OCI weight is written as is, since
 * BFQ uses the v1 range; otherwise io.weight gets the converted value.
 */
export async function applyIoV2(fs: CgroupFs, dir: string, b: BlockIOResources): Promise<void> {
  if (b.leafWeight || (b.weightDevice ?? []).some((d) => d.leafWeight)) throw invalidArgument("blockIO.leafWeight: not supported on cgroup v2");
  const bfq = await hasFile(fs, dir, "io.bfq.weight");
  const needsWeight = !!b.weight || (b.weightDevice ?? []).some((d) => !!d.weight);
  if (needsWeight && !bfq && !(await hasFile(fs, dir, "io.weight"))) {
    throw invalidArgument("blockIO.weight: no weight-based I/O control here (neither io.bfq.weight nor io.weight exists)");
  }
  if (b.weight) {
    if (bfq) await writeControl(fs, dir, "io.bfq.weight", intString(b.weight), { field: "blockIO.weight" });
    else await writeControl(fs, dir, "io.weight", `default ${blkioWeightToIoWeight(b.weight)}`, { field: "blockIO.weight" });
  }
  for (const [i, d] of (b.weightDevice ?? []).entries()) {
    if (!d.weight) continue;
    const value = bfq ? `${d.major}:${d.minor} ${d.weight}` : `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.weight)}`;
    await writeControl(fs, dir, bfq ? "io.bfq.weight" : "io.weight", value, { field: `blockIO.weightDevice[${i}]` });
  }
  for (const line of ioMaxLines(b)) await writeControl(fs, dir, "io.max", line, { field: "blockIO.throttle*" });
}

type IoStats = NonNullable<CgroupStats["io"]>;

/** io.stat lines: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
export async function ioStatsV2(fs: CgroupFs, dir: string): Promise<IoStats> {
  const devices: NonNullable<IoStats["devices"]> = [];
  for (const line of ((await readOptional(fs, dir, "io.stat")) ?? "").split("\n")) {
    const parts = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(parts[0] ?? "");
    if (!dev) continue;
    const kv = new Map(parts.slice(1).map((p) => p.split("=") as [string, string]));
    const n = (k: string) => Number(kv.get(k) ?? 0);
    devices.push({ major: Number(dev[1]), minor: Number(dev[2]), readBytes: n("rbytes"), writeBytes: n("wbytes"), readOps: n("rios"), writeOps: n("wios") });
  }
  devices.sort((a, b) => a.major - b.major || a.minor - b.minor);
  return {
    readBytes: devices.reduce((s, d) => s + d.readBytes, 0),
    writeBytes: devices.reduce((s, d) => s + d.writeBytes, 0),
    readOps: devices.reduce((s, d) => s + d.readOps, 0),
    writeOps: devices.reduce((s, d) => s + d.writeOps, 0),
    devices,
  };
}
