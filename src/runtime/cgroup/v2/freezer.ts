import { EngineError } from "../../../errors/EngineError.js";
import type { FreezerState } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { parseFlatKeyed, readControl, sleep, writeControl } from "../control.js";

export interface WaitOptions {
  attempts?: number;
  delayMs?: number;
}

/** cgroup.freeze is the request, cgroup.events "frozen" the kernel's answer. */
export async function freezerStateV2(fs: CgroupFs, dir: string): Promise<FreezerState> {
  const wanted = await readControl(fs, dir, "cgroup.freeze");
  const frozen = parseFlatKeyed(await readControl(fs, dir, "cgroup.events")).get("frozen") === 1;
  if (wanted === "1") return frozen ? "frozen" : "freezing";
  return "thawed";
}

async function setFrozen(fs: CgroupFs, dir: string, on: boolean, opts: WaitOptions): Promise<boolean> {
  await writeControl(fs, dir, "cgroup.freeze", on ? "1" : "0", { field: "cgroup.freeze" });
  const attempts = opts.attempts ?? 500;
  for (let i = 0; i < attempts; i++) {
    const frozen = parseFlatKeyed(await readControl(fs, dir, "cgroup.events")).get("frozen") === 1;
    if (frozen === on) return true;
    await sleep(opts.delayMs ?? 10);
  }
  return false;
}

/** Freezes and waits for cgroup.events "frozen 1"; if it never settles, unfreezes again and fails. */
export async function freezeV2(fs: CgroupFs, dir: string, opts: WaitOptions = {}): Promise<void> {
  if (await setFrozen(fs, dir, true, opts)) return;
  await writeControl(fs, dir, "cgroup.freeze", "0", { field: "cgroup.freeze" });
  throw new EngineError("Unavailable", `freeze cgroup ${dir}: cgroup.events never reported frozen 1 (unfrozen again)`);
}

export async function thawV2(fs: CgroupFs, dir: string, opts: WaitOptions = {}): Promise<void> {
  if (await setFrozen(fs, dir, false, opts)) return;
  throw new EngineError("Unavailable", `thaw cgroup ${dir}: cgroup.events still reports frozen 1`);
}
