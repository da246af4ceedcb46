import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { EngineError, isEngineError } from "../../errors/EngineError.js";
import { unmount, unmountAll } from "../../image/snapshot/mountAll.js";
import type { SnapshotMount } from "../../image/snapshot/Snapshotter.js";
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
import { mark } from "./timing.js";
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
  let netReady: Promise<void> | undefined;
  mark("start: begin");
  try {
    // Synchronous, as the other small writes on the start's path: the directory nearly always
    // exists (made with the container's), and a thread-pool round trip costs more than the call.
    mkdirSync(rootfs, { recursive: true, mode: 0o700 });
    // A mount left from an interrupted start or a failed unmount: gone first.
    await unmountRootfs(rec.dir);
    // A user namespace: the rootfs and /etc files reachable by its root, the image's layers idmapped.
    const userns = containerUserns(ctx.userns, rec.hostConfig, rec.config.Labels);
    if (userns) {
      await openContainerDirs(rec.dir, userns);
      await openVolumes(rec.volumes, userns);
    }
    const joined = joinedNamespaces(ctx, rec);
    // The rootfs (mounted by the launcher, then read for the user) and the network (netns,
    // endpoints, /etc files in the container's directory) do not depend on each other: both at
    // once, so the network's set-up runs while the launcher mounts.
    const [{ imageConfig, user }, net] = await allSettledThenThrow([
      (async () => {
        const mounts = await engine.images.containerMounts(rec.id);
        mark("start: rootfs mounts resolved");
        await mountRootfs(mounts, rootfs, userns, rec.hostConfig.AutoRemove === true);
        rb.add(`unmount ${rootfs}`, () => unmountAll(rootfs));
        mark("start: rootfs mounted");
        const imageConfig = await engine.images.imageConfig(engine.images.resolve(rec.imageId));
        return { imageConfig, user: await resolveImageUser(rootfs, rec.config.User || undefined) };
      })(),
      startNetworking(ctx, rec, rb).then((n) => {
        netReady = n.ready;
        return n;
      }).finally(() => mark("start: networking")),
    ] as const);
    await setUpIpcShm(rec, userns, rb); // --ipc shareable: its shm tmpfs on the host
    mark("start: image config, user, networking");
    const { spec } = buildSpec({ rec, image: imageConfig, rootfs, user, etcFiles: net.etcFiles, network: net.mode, creating: false, userns, init: ctx.init, joined });
    writeFileSync(join(rec.dir, "config.json"), JSON.stringify(spec), { mode: 0o600 });
    mark("start: spec written");
    const limits = logLimits(rec.hostConfig.LogConfig);
    const created = await runtimeCreate(engine.runtime, {
      id: rec.id, bundle: rec.dir,
      log: { path: rec.logPath, maxSize: limits.maxSize, maxFiles: limits.maxFiles },
      // docker run -i: the shim holds a stdin pipe that attach clients feed.
      stdin: rec.config.OpenStdin ? { open: true, once: rec.config.StdinOnce === true } : undefined,
    });
    mark("start: runtime created");
    rb.add(`delete the runtime state of ${rec.id}`, async () => void (await runtimeDelete(engine.runtime, rec.id, { force: true })));
    for (const hook of hooks) await hook(join(engine.runtime.root, rec.id));
    mark("start: hooks");
    // The links and ports were made while the runtime created the container; the process
    // starts only on a network that is ready.
    await net.ready;
    mark("start: network ready");
    await runtimeStart(engine.runtime, rec.id);
    mark("start: runtime started");
    ctx.networks?.startFinished?.(rec.id);
    rb.commit();
    announceConnected(ctx, rec);
    // As create recorded them (start changes neither): no reading the record back.
    return { pid: created.pid, shimPid: created.shimPid, shimStartTime: created.shimStartTime, cgroupsPath: created.cgroupsPath };
  } catch (e) {
    // A network whose links or ports failed meanwhile undid itself, so the runtime may have
    // failed for want of its netns: the network's error is the one to report (a port in use).
    const netError = netReady && (await netReady.then(() => undefined, (x: unknown) => x));
    ctx.networks?.startFinished?.(rec.id);
    return rb.run(startError(netError ?? e), `start container ${rec.id}`);
  }
}

/**
 * Unmounts whatever is stacked on a container's `rootfs`. The rootfs is an overlay, whose root
 * has a device of its own: a stat of it and of the container's directory tells whether anything
 * is mounted, where asking the launcher to unmount until it answers "not mounted" (unmountAll)
 * costs a round trip more (~0.2-0.4 ms) on every start, exit and removal.
 */
export async function unmountRootfs(containerDir: string): Promise<void> {
  const rootfs = join(containerDir, "rootfs");
  const mounted = () => {
    const st = statSync(rootfs, { throwIfNoEntry: false });
    return st !== undefined && st.dev !== statSync(containerDir).dev;
  };
  for (let i = 0; i < 64; i++) {
    if (!mounted()) return;
    await unmount(rootfs);
  }
  throw new EngineError("Internal", `unmount ${rootfs}: still mounted after 64 unmounts`);
}

/**
 * `docker run --rm`: the writable layer goes with the container, so its overlay is mounted
 * `volatile` (Linux >= 5.10): its unmount skips the sync of the upper filesystem (a journal
 * commit of the whole ext4, 0.36 -> 0.08 ms on an idle disk, several ms under load, on the
 * path from the exit to the removal `docker run --rm` waits for), and so do the container's
 * own fsyncs. Content is lost only in a host crash, after which the container is removed
 * anyway. A volatile mount leaves `<workdir>/work/incompat/volatile`, which makes overlayfs
 * refuse the next mount of that upper: a start after a clean stop (the mount is gone) removes
 * it first. A kernel without the option refuses it (EINVAL): mounted as before.
 */
async function mountRootfs(mounts: SnapshotMount[], rootfs: string, userns: Parameters<typeof mountContainerRootfs>[2], autoRemove: boolean): Promise<void> {
  const volatile = autoRemove ? mounts.map(volatileOverlay) : mounts;
  if (volatile === mounts || volatile.every((m, i) => m === mounts[i])) return mountContainerRootfs(mounts, rootfs, userns);
  try {
    await mountContainerRootfs(volatile, rootfs, userns);
  } catch (e) {
    if (!/invalid argument|EINVAL/i.test((e as Error).message)) throw e;
    await unmountAll(rootfs);
    await mountContainerRootfs(mounts, rootfs, userns);
  }
}

function volatileOverlay(m: SnapshotMount): SnapshotMount {
  const opts = m.options ?? [];
  const work = opts.find((o) => o.startsWith("workdir="))?.slice("workdir=".length);
  if (m.type !== "overlay" || !work || !opts.some((o) => o.startsWith("upperdir="))) return m;
  rmSync(resolve(m.cwd ?? "/", work, "work/incompat/volatile"), { recursive: true, force: true });
  return { ...m, options: [...opts, "volatile"] };
}

/**
 * Awaits set-up steps run at once, each registering its undo in the rollback as it goes. On a failure
 * the others still settle first (their undo steps must be registered before the rollback
 * runs), then the first failure is thrown.
 */
async function allSettledThenThrow<T extends readonly unknown[]>(steps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
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
