import { existsSync } from "node:fs";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import { unmountAll } from "../../image/snapshot/mountAll.js";
import { readRecord } from "../../runtime/containerStore.js";
import { readExitRecord, type ExitRecord } from "../../runtime/exitRecord.js";
import { deleteContainer as runtimeDelete } from "../../runtime/lifecycle/delete.js";
import { isSameProcessAlive } from "../../runtime/status.js";
import type { ContainerContext } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import type { RunningProcess } from "./startProcess.js";

export interface RestoreHooks {
  adopt(rec: ContainerRecord, p: RunningProcess, startedMs: number): void;
  exited(rec: ContainerRecord, p: RunningProcess | null, exit: ExitRecord | null): Promise<void>;
  start(rec: ContainerRecord): Promise<void>;
  remove(rec: ContainerRecord): Promise<void>;
  /** Every record is reconciled, before restart policies start any: networks adopt the running ones. */
  reconciled(): Promise<void>;
}

/**
 * Reconciles every record with the runtime after a daemon (re)start. The shim outlives berthd,
 * so a running container whose shim is alive is adopted as it is (its log continues); one that
 * ended meanwhile has its `exit` record; a shim gone without one (host reboot) ends as unknown.
 * Networks are then restored for the running ones (the rest torn down), and restart policies
 * apply as Docker's daemon does at startup.
 */
export async function restoreContainers(ctx: ContainerContext, hooks: RestoreHooks): Promise<void> {
  const { engine, log } = ctx;
  const rt = engine.runtime;
  const toStart: ContainerRecord[] = [];
  for (const rec of ctx.store.all()) {
    const dir = join(rt.root, rec.id);
    try {
      switch (rec.state.status) {
        case "running":
        case "paused": {
          const r = await readRecord(rt.root, rec.id).catch((e) => {
            if (isEngineError(e, "NotFound")) return null;
            throw e;
          });
          if (!r) {
            await hooks.exited(rec, null, null);
            break;
          }
          const p: RunningProcess = { pid: r.pid, shimPid: r.shimPid, shimStartTime: r.shimStartTime, cgroupsPath: r.cgroupsPath };
          const exit = await readExitRecord(dir);
          if (exit) await hooks.exited(rec, p, exit);
          else if (await isSameProcessAlive(rt.sys, r.shimPid, r.shimStartTime)) {
            const started = Date.parse(rec.state.startedAt);
            hooks.adopt(rec, p, Number.isNaN(started) ? Date.now() : started);
            log("info", `container ${rec.id}: adopted (pid ${r.pid})`);
          } else {
            await hooks.exited(rec, p, await readExitRecord(dir));
          }
          break;
        }
        case "restarting":
          toStart.push(rec);
          break;
        case "removing":
          await hooks.remove(rec);
          break;
        case "created":
        case "exited":
        case "dead": {
          // A start that the daemon's death interrupted leaves runtime state and a mount behind.
          if (existsSync(dir)) await runtimeDelete(rt, rec.id, { force: true });
          await unmountAll(join(rec.dir, "rootfs"));
          const policy = rec.hostConfig.RestartPolicy?.Name ?? "no";
          if (rec.state.status === "exited" && (policy === "always" || (policy === "unless-stopped" && !rec.state.manuallyStopped))) toStart.push(rec);
          break;
        }
      }
    } catch (e) {
      log("error", `container ${rec.id}: restore failed: ${(e as Error).message}`);
    }
  }
  await hooks.reconciled().catch((e) => log("error", `restoring networks failed: ${(e as Error).message}`));
  for (const rec of toStart) {
    await hooks.start(rec).catch((e) => log("warn", `container ${rec.id}: restart at daemon start failed: ${(e as Error).message}`));
  }
}
