import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EngineError, isEngineError } from "../../errors/EngineError.js";
import { unmountAll } from "../../image/snapshot/mountAll.js";
import { readRecord } from "../../runtime/containerStore.js";
import { createContainer as runtimeCreate } from "../../runtime/lifecycle/create.js";
import { deleteContainer as runtimeDelete } from "../../runtime/lifecycle/delete.js";
import { startContainer as runtimeStart } from "../../runtime/lifecycle/start.js";
import { Rollback } from "../../util/rollback.js";
import { resolveImageUser } from "../imageUser.js";
import { buildSpec } from "./buildSpec.js";
import type { ContainerContext } from "./ContainerContext.js";
import { announceConnected, startNetworking } from "./containerNetwork.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { logLimits } from "./logOptions.js";
import { setUpIpcShm } from "./ipcShm.js";
import { joinedNamespaces } from "./sharedNamespaces.js";
import { containerUserns, mountContainerRootfs, openContainerDirs, openVolumes } from "./usernsContainer.js";

export interface RunningProcess {
  pid: number;
  shimPid: number;
  shimStartTime: string;
  cgroupsPath: string;
}

/** Called between the shim's create and the process's start (attach connects there, so no output is missed). */
export type ShimReadyHook = (runtimeDir: string) => Promise<void>;

/**
 * Starts a created container's process: mounts its rootfs, sets up its network (netns,
 * endpoints, published ports, /etc files), writes config.json for this start (the user is
 * resolved in the mounted rootfs), has the runtime create the shim (which holds
 * the pipes and writes the bounded log), runs the shim-ready hooks, then starts the process.
 * Any failure undoes all of it (runtime state deleted, network torn down, rootfs unmounted) and throws the error
 * in Docker's words (see startError).
 */
export async function startProcess(ctx: ContainerContext, rec: ContainerRecord, hooks: readonly ShimReadyHook[]): Promise<RunningProcess> {
  const { engine } = ctx;
  const rootfs = join(rec.dir, "rootfs");
  const rb = new Rollback();
  try {
    await mkdir(rootfs, { recursive: true, mode: 0o700 });
    await unmountAll(rootfs);
    // A user namespace: the rootfs and /etc files reachable by its root, the image's layers idmapped.
    const userns = containerUserns(ctx.userns, rec.hostConfig, rec.config.Labels);
    if (userns) {
      await openContainerDirs(rec.dir, userns);
      await openVolumes(rec.volumes, userns);
    }
    await mountContainerRootfs(await engine.images.containerMounts(rec.id), rootfs, userns);
    rb.add(`unmount ${rootfs}`, () => unmountAll(rootfs));
    const imageConfig = await engine.images.imageConfig(engine.images.resolve(rec.imageId));
    const user = await resolveImageUser(rootfs, rec.config.User || undefined);
    const joined = joinedNamespaces(ctx, rec);
    await setUpIpcShm(rec, userns, rb); // --ipc shareable: its shm tmpfs on the host
    const net = await startNetworking(ctx, rec, rb);
    const { spec } = buildSpec({ rec, image: imageConfig, rootfs, user, etcFiles: net.etcFiles, network: net.mode, creating: false, userns, init: ctx.init, joined });
    await writeFile(join(rec.dir, "config.json"), JSON.stringify(spec), { mode: 0o600 });
    const limits = logLimits(rec.hostConfig.LogConfig);
    const created = await runtimeCreate(engine.runtime, {
      id: rec.id, bundle: rec.dir,
      log: { path: rec.logPath, maxSize: limits.maxSize, maxFiles: limits.maxFiles },
      // docker run -i: the shim holds a stdin pipe that attach clients feed.
      stdin: rec.config.OpenStdin ? { open: true, once: rec.config.StdinOnce === true } : undefined,
    });
    rb.add(`delete the runtime state of ${rec.id}`, async () => void (await runtimeDelete(engine.runtime, rec.id, { force: true })));
    for (const hook of hooks) await hook(join(engine.runtime.root, rec.id));
    await runtimeStart(engine.runtime, rec.id);
    const r = await readRecord(engine.runtime.root, rec.id);
    rb.commit();
    announceConnected(ctx, rec);
    return { pid: created.pid, shimPid: r.shimPid, shimStartTime: r.shimStartTime, cgroupsPath: r.cgroupsPath };
  } catch (e) {
    return rb.run(startError(e), `start container ${rec.id}`);
  }
}

/**
 * moby's translateContainerdStartErr: a missing or non-executable command is the user's error
 * (400), and the CLI turns "executable file not found" / "no such file or directory" into exit
 * 127 and "permission denied" into 126. Everything else keeps its kind.
 */
export function startError(e: unknown): EngineError {
  const err = isEngineError(e) ? e : new EngineError("Internal", e instanceof Error ? e.message : String(e), { cause: e });
  const stage = err.detail.stage;
  if (stage === "exec" || stage === "cwd" || stage === "user") {
    // "start <id>: exec: exec: "x": executable file not found in $PATH" → the shim's own message.
    const msg = err.message.replace(/^start [0-9a-f]+: [a-z_]+: /, "");
    return new EngineError("InvalidArgument", `failed to create task for container: failed to start container process: ${msg}: unknown`, { cause: e, cleanupErrors: err.cleanupErrors, detail: err.detail });
  }
  return err;
}

/** The exit code Docker records for a start that failed this way (127 not found, 126 not executable). */
export function startFailureExitCode(e: EngineError): number {
  const m = e.message;
  if (m.includes("executable file not found") || m.includes("no such file or directory")) return 127;
  if (m.includes("permission denied")) return 126;
  return 128;
}
