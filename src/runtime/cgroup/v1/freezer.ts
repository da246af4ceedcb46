import { EngineError } from "../../../errors/EngineError.js";
import type { FreezerState } from "../CgroupManager.js";
import type { CgroupFs } from "../cgroupFs.js";
import { readControl, sleep, writeControl } from "../control.js";

export interface WaitOptions {
  attempts?: number;
  delayMs?: number;
}

export async function freezerStateV1(fs: CgroupFs, dir: string): Promise<FreezerState> {
  const s = await readControl(fs, dir, "freezer.state");
  if (s === "FROZEN") return "frozen";
  if (s === "FREEZING") return "freezing";
  return "thawed";
}

/**
 * Writes FROZEN and waits until the kernel reports FROZEN. A task in an uninterruptible sleep
 * can keep the cgroup in FREEZING; writing FROZEN again retries the freeze (runc does the
 * same). If it never settles, the cgroup is thawed again rather than left half-frozen.
 */
export async function freezeV1(fs: CgroupFs, dir: string, opts: WaitOptions = {}): Promise<void> {
  const attempts = opts.attempts ?? 500;
  for (let i = 0; i < attempts; i++) {
    await writeControl(fs, dir, "freezer.state", "FROZEN", { field: "freezer.state" });
    if ((await freezerStateV1(fs, dir)) === "frozen") return;
    await sleep(opts.delayMs ?? 10);
  }
  await writeControl(fs, dir, "freezer.state", "THAWED", { field: "freezer.state" });
  throw new EngineError("Unavailable", `freeze cgroup ${dir}: still FREEZING after ${attempts} attempts (thawed again)`);
}

export async function thawV1(fs: CgroupFs, dir: string, opts: WaitOptions = {}): Promise<void> {
  const attempts = opts.attempts ?? 500;
  for (let i = 0; i < attempts; i++) {
    await writeControl(fs, dir, "freezer.state", "THAWED", { field: "freezer.state" });
    if ((await freezerStateV1(fs, dir)) === "thawed") return;
    await sleep(opts.delayMs ?? 10);
  }
  throw new EngineError("Unavailable", `thaw cgroup ${dir}: not THAWED after ${attempts} attempts`);
}
