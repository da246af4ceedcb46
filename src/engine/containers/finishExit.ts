import { isEngineError } from "../../errors/EngineError.js";
import { exitStatusCode, type ExitRecord } from "../../runtime/exitRecord.js";
import { deleteContainer as runtimeDelete } from "../../runtime/lifecycle/delete.js";
import { emit, nowNano, rfc3339Nano, type ContainerContext } from "./ContainerContext.js";
import { stopNetworking } from "./containerNetwork.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { tearDownIpcShm } from "./ipcShm.js";
import { unmountRootfs, type RunningProcess } from "./startProcess.js";
import { mark } from "./timing.js";

/** Docker's exit code when the process's end is unknown (the shim died without a record). */
const UNKNOWN_EXIT = 255;

/**
 * Records a container's exit: OOMKilled from the cgroup (read before the runtime destroys it),
 * the runtime state deleted, the rootfs unmounted and its network torn down (all at once), State set to exited with the code and time
 * from the shim's exit record, then the `oom`/`die` events. Cleanup failures are logged, never
 * lose the exit. Returns the exit code.
 */
export async function finishExit(ctx: ContainerContext, rec: ContainerRecord, p: RunningProcess | null, exit: ExitRecord | null): Promise<number> {
  const { engine, log } = ctx;
  mark("exit: begin");
  let oomKilled = false;
  const cgroups = engine.runtime.cgroups;
  if (p?.cgroupsPath && cgroups) {
    const path = p.cgroupsPath;
    const kills = cgroups.oomKills ? cgroups.oomKills(path) : cgroups.stats(path).then((s) => s.memory?.oomKills ?? 0);
    oomKilled = (await kills.catch(() => 0)) > 0;
  }
  mark("exit: stats");
  // Independent of each other (cgroups and state directory; the overlay; the network): at
  // once, since the unmount waits for overlayfs to sync its upper filesystem (unless volatile:
  // startProcess) and the network's links and netns are the kernel's work in berth-netlink.
  const network = stopNetworking(ctx, rec).finally(() => mark("exit: networking stopped"));
  await Promise.all([
    runtimeDelete(engine.runtime, rec.id, { force: true }).catch((e) => {
      if (!isEngineError(e, "NotFound")) log("warn", `container ${rec.id}: deleting its runtime state failed: ${(e as Error).message}`);
    }).finally(() => mark("exit: runtime deleted")),
    unmountRootfs(rec.dir).catch((e) => log("warn", `container ${rec.id}: unmounting its rootfs failed: ${(e as Error).message}`)).finally(() => mark("exit: unmounted")),
    tearDownIpcShm(rec).catch((e) => log("warn", `container ${rec.id}: unmounting its shm failed: ${(e as Error).message}`)),
  ]);
  mark("exit: deleted, unmounted");
  const code = exit ? exitStatusCode(exit) : UNKNOWN_EXIT;
  rec.state = {
    ...rec.state, status: "exited", pid: 0, exitCode: code, oomKilled,
    finishedAt: rfc3339Nano(exit ? exit.at : nowNano()),
    error: exit ? rec.state.error : "the container's shim ended without recording an exit status",
  };
  ctx.store.save(rec);
  mark("exit: saved");
  if (oomKilled) emit(ctx, rec, "oom");
  emit(ctx, rec, "die", { exitCode: String(code) });
  // After die, as Docker orders the events (container die, then network disconnect).
  (await network)();
  return code;
}
