import type { ContainerRecord } from "./ContainerRecord.js";

/** Running or paused: there is a process. */
export function isLive(rec: ContainerRecord): boolean {
  return rec.state.status === "running" || rec.state.status === "paused";
}
