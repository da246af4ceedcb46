import { readFile } from "node:fs/promises";
import type { Resources } from "../../oci/runtime.js";
import { invalidArgument } from "../../errors/EngineError.js";
import { updateContainer } from "../lifecycle/update.js";
import { expectPositionals, parseArgs, str, type ParsedOptions } from "./args.js";
import type { Command } from "./io.js";

const UPDATE_FLAGS = {
  "--resources": { key: "resources", value: true },
  "-r": { key: "resources", value: true },
  "--memory": { key: "memory", value: true },
  "--memory-swap": { key: "memorySwap", value: true },
  "--memory-reservation": { key: "memoryReservation", value: true },
  "--cpu-shares": { key: "cpuShares", value: true },
  "--cpu-quota": { key: "cpuQuota", value: true },
  "--cpu-period": { key: "cpuPeriod", value: true },
  "--cpuset-cpus": { key: "cpusetCpus", value: true },
  "--cpuset-mems": { key: "cpusetMems", value: true },
  "--pids-limit": { key: "pidsLimit", value: true },
};

function int(o: ParsedOptions, key: string, flag: string): number | undefined {
  const v = str(o[key]);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidArgument(`update: ${flag}: expected an integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Resources from runc's update flags (only the ones given). */
export function resourcesFromFlags(o: ParsedOptions): Resources {
  const r: Resources = {};
  const memory = { limit: int(o, "memory", "--memory"), swap: int(o, "memorySwap", "--memory-swap"), reservation: int(o, "memoryReservation", "--memory-reservation") };
  if (Object.values(memory).some((x) => x !== undefined)) r.memory = memory;
  const cpu = { shares: int(o, "cpuShares", "--cpu-shares"), quota: int(o, "cpuQuota", "--cpu-quota"), period: int(o, "cpuPeriod", "--cpu-period"), cpus: str(o.cpusetCpus), mems: str(o.cpusetMems) };
  if (Object.values(cpu).some((x) => x !== undefined)) r.cpu = cpu;
  const pids = int(o, "pidsLimit", "--pids-limit");
  if (pids !== undefined) r.pids = { limit: pids };
  for (const group of [r.memory, r.cpu] as Record<string, unknown>[]) if (group) for (const k of Object.keys(group)) if (group[k] === undefined) delete group[k];
  return r;
}

/** `update [--resources FILE | flags] ID`: FILE is runc's linux.resources JSON ("-" = stdin is not supported). */
export const updateCommand: Command = async ({ ctx }, argv) => {
  const { options: o, positionals } = parseArgs(argv, UPDATE_FLAGS, { command: "update" });
  const [id] = expectPositionals(positionals, ["ID"], "update");
  let resources: Resources;
  const file = str(o.resources);
  if (file) {
    try {
      resources = JSON.parse(await readFile(file, "utf8"));
    } catch (e) {
      throw invalidArgument(`update: --resources ${file}: ${(e as Error).message}`);
    }
  } else resources = resourcesFromFlags(o);
  if (Object.keys(resources).length === 0) throw invalidArgument("update: nothing to update (give --resources FILE or a limit flag)");
  await updateContainer(ctx, id, resources);
  return 0;
};
