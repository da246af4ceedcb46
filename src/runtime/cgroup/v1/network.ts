import type { Resources } from "../../../oci/runtime.js";
import type { CgroupFs } from "../cgroupFs.js";
import { intString, writeControl } from "../control.js";

/** net_cls.classid and net_prio.ifpriomap ("ifname prio", one interface per write), v1 only. */
export async function applyNetClsV1(fs: CgroupFs, dir: string, classID: number): Promise<void> {
  await writeControl(fs, dir, "net_cls.classid", intString(classID), { field: "network.classID" });
}

export async function applyNetPrioV1(fs: CgroupFs, dir: string, priorities: NonNullable<NonNullable<Resources["network"]>["priorities"]>): Promise<void> {
  for (const [i, p] of priorities.entries()) {
    await writeControl(fs, dir, "net_prio.ifpriomap", `${p.name} ${intString(p.priority)}`, { field: `network.priorities[${i}]` });
  }
}
