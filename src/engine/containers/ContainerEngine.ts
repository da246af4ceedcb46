import { renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type {
  ContainerCreateOptions, ContainerCreateRequest, ContainerCreateResponse, ContainerUpdateRequest, ContainerUpdateResponse, WaitCondition,
} from "../../api/types/container.js";
import type { EndpointSettings } from "../../api/types/network.js";
import type { ContainerNetworking } from "../../network/types.js";
import { conflict, EngineError, internal, invalidArgument, isEngineError } from "../../errors/EngineError.js";
import type { ExitRecord } from "../../runtime/exitRecord.js";
import type { Engine } from "../Engine.js";
import type { EventBus } from "../events/EventBus.js";
import type { HealthChecker } from "../health/HealthChecker.js";
import { BackgroundDeletes } from "../../util/backgroundDeletes.js";
import { containersDir } from "../paths.js";
import { removeAnonymousVolumes } from "../volumes/containerVolumes.js";
import type { VolumeStore } from "../volumes/VolumeStore.js";
import { emit, nowNano, rfc3339Nano, type ContainerContext, type InitSettings, type LogFn } from "./ContainerContext.js";
import type { ContainerLookup, ContainerRecord } from "./ContainerRecord.js";
import { ContainerStore } from "./ContainerStore.js";
import { connectContainer, disconnectContainer, releaseNetworking, restoreNetworking } from "./containerNetwork.js";
import { createContainer } from "./createContainer.js";
import { containerDirLayout, PremadeDirs } from "./premadeDirs.js";
import { ExitMonitor } from "./ExitMonitor.js";
import { finishExit } from "./finishExit.js";
import { tearDownIpcShm } from "./ipcShm.js";
import { clearStaleProbeState, makeHealthChecker, startHealthChecks, wantsRestartOnUnhealthy } from "./healthWiring.js";
import { KeyedLock } from "./KeyedLock.js";
import { restoreContainers } from "./liveRestore.js";
import { renameRecord } from "./names.js";
import { RestartScheduler } from "./RestartScheduler.js";
import { shouldRestart } from "./restartPolicy.js";
import { startFailureExitCode, startProcess, unmountRootfs, type RunningProcess, type ShimReadyHook } from "./startProcess.js";
import { killContainer, signalContainer, stopContainer, waitAfterKill, type StopKillDeps } from "./stopKill.js";
import { isLive } from "./isLive.js";
import { pauseLocked, unpauseLocked, updateLocked } from "./cgroupVerbs.js";
import { Waiters } from "./Waiters.js";
import { waitResult, type WaitResult } from "./waitResult.js";
import type { UsernsSettings } from "./usernsContainer.js";
import { mark } from "./timing.js";

export interface ContainerEngineOptions {
  engine: Engine;
  events: EventBus;
  log?: LogFn;
  volumes?: VolumeStore;
  /** Bridge networks (see ContainerContext.networks). */
  networks?: ContainerNetworking;
  hostGateway?: () => string | undefined;
  /** User namespaces (see ContainerContext.userns). */
  userns?: UsernsSettings;
  /** The daemon's --init/--init-path (see ContainerContext.init). */
  init?: InitSettings;
}

/** What a live container's process is, kept in memory while the daemon watches it. */
interface Live extends RunningProcess {
  startedMs: number;
  monitor: AbortController;
}

export type { WaitResult } from "./waitResult.js";

/**
 * The daemon's containers: records in SQLite, processes through the runtime and their shims,
 * one exit monitor per running container, restart policies, waits and events. Every state change
 * of one container happens under that container's lock, so a verb and the exit monitor never
 * interleave; waiting for a process to end happens outside the lock.
 */
export class ContainerEngine implements ContainerLookup {
  readonly store: ContainerStore;
  readonly ctx: ContainerContext;
  private readonly lock = new KeyedLock();
  private readonly live = new Map<string, Live>();
  private readonly exits = new Waiters<number>();
  private readonly removals = new Waiters<number>();
  private readonly shimReady = new Map<string, Set<ShimReadyHook>>();
  private readonly restarts = new RestartScheduler();
  /** Removed containers' directories, deleted after the removal is reported (`docker run --rm` waits for it). */
  private readonly deletes = new BackgroundDeletes((path, e) => this.ctx.log("warn", `deleting ${path}: ${(e as Error).message}`));
  /** The next container's directory and small files, made when one is removed (premadeDirs.ts). */
  private readonly premade: PremadeDirs;
  private readonly exitMonitor: ExitMonitor;
  private readonly health: HealthChecker;
  private closed = false;
  /** stop/kill/signal (stopKill.ts) over this engine's lock, waiters and live processes. */
  private readonly stopKill: StopKillDeps;

  constructor(opts: ContainerEngineOptions) {
    this.store = new ContainerStore(opts.engine.db);
    this.ctx = { engine: opts.engine, store: this.store, events: opts.events, log: opts.log ?? (() => {}), volumes: opts.volumes, networks: opts.networks, hostGateway: opts.hostGateway, userns: opts.userns, init: opts.init };
    this.stopKill = {
      ctx: this.ctx,
      locked: (id, fn) => this.locked(id, fn),
      nextExit: (id) => this.exits.next(id),
      cgroupsPath: (id) => this.live.get(id)?.cgroupsPath,
      cancelRestart: (id) => this.cancelRestart(id),
    };
    this.premade = new PremadeDirs(containersDir(opts.engine.paths), containerDirLayout());
    this.exitMonitor = new ExitMonitor(opts.engine.runtime.sys, (m) => this.ctx.log("warn", m));
    this.health = makeHealthChecker(this.ctx, { locked: (id, fn) => this.locked(id, fn), isLive, onUnhealthy: (id) => this.restartUnhealthy(id) });
  }

  // ---- lookup (the contract the other engine parts use) ----

  get(idOrName: string): ContainerRecord {
    return this.store.get(idOrName);
  }

  runtimeDir(id: string): string {
    return join(this.ctx.engine.runtime.root, id);
  }

  /**
   * Hooks run at every start of `id` after its shim is up and before its process runs (attach
   * connects there so it sees all output). When a start fails before its shim is up, or the
   * container is removed, waiting hooks are called with the runtime directory anyway: it holds
   * no shim, so connecting fails and the waiter ends. Returns the function that unregisters it.
   */
  onShimReady(id: string, hook: ShimReadyHook): () => void {
    let set = this.shimReady.get(id);
    if (!set) this.shimReady.set(id, (set = new Set()));
    set.add(hook);
    return () => {
      set!.delete(hook);
      if (set!.size === 0) this.shimReady.delete(id);
    };
  }

  /** Resolves with the exit code at the container's next exit (for attach/exec callers). */
  nextExit(id: string): { promise: Promise<number>; cancel: () => void } {
    return this.exits.next(id);
  }

  // ---- verbs ----

  create(req: ContainerCreateRequest, opts: ContainerCreateOptions): Promise<ContainerCreateResponse> {
    this.checkOpen();
    mark("create: begin");
    return createContainer(this.ctx, req, opts, this.premade).finally(() => mark("create: end"));
  }

  async start(input: string): Promise<"done" | "notModified"> {
    this.checkOpen();
    const id = this.store.get(input).id;
    return this.locked(id, () => this.startLocked(id, false));
  }

  async stop(input: string, opts: { signal?: string; timeout?: number }): Promise<"done" | "notModified"> {
    return stopContainer(this.stopKill, input, opts);
  }

  async restart(input: string, opts: { signal?: string; timeout?: number }): Promise<void> {
    const id = this.store.get(input).id;
    await this.stop(id, opts);
    await this.locked(id, async () => {
      await this.startLocked(id, false);
    });
    emit(this.ctx, this.store.get(id), "restart");
  }

  async kill(input: string, signalArg: string | undefined): Promise<void> {
    await killContainer(this.stopKill, input, signalArg);
  }

  async remove(input: string, opts: { force: boolean }): Promise<void> {
    const id = this.store.get(input).id;
    const exited = await this.locked(id, async () => {
      const rec = this.store.get(id);
      if (rec.state.status === "removing") throw conflict(`removal of container ${id} is already in progress`);
      if (isLive(rec) && !opts.force) {
        if (rec.state.status === "paused") throw conflict(`cannot remove container "/${rec.name}": container is paused and must be unpaused first`);
        throw conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
      }
      if (rec.state.status === "restarting") {
        this.cancelRestart(id);
        rec.state.status = "exited";
      }
      if (!isLive(rec)) {
        await this.removeLocked(rec);
        return null;
      }
      rec.state.manuallyStopped = true;
      this.store.save(rec);
      const w = this.exits.next(id);
      await signalContainer(this.stopKill, rec, 9);
      return w;
    });
    if (!exited) return;
    await waitAfterKill(id, exited);
    await this.locked(id, async () => {
      const rec = this.store.find(id);
      // AutoRemove may have removed it already when the exit was handled.
      if (rec && rec.state.status !== "removing") await this.removeLocked(rec);
    });
  }

  async rename(input: string, newName: string): Promise<void> {
    const id = this.store.get(input).id;
    await this.locked(id, async () => renameRecord(this.ctx, this.store.get(id), newName));
  }

  async pause(input: string): Promise<void> {
    const id = this.store.get(input).id;
    await this.locked(id, () => pauseLocked(this.ctx, this.store.get(id), this.live.get(id)?.cgroupsPath));
  }

  async unpause(input: string): Promise<void> {
    const id = this.store.get(input).id;
    await this.locked(id, () => unpauseLocked(this.ctx, this.store.get(id), this.live.get(id)?.cgroupsPath));
  }

  /** POST /containers/{id}/update: the record, and the live cgroup when it runs (cgroupVerbs.ts). */
  async update(input: string, req: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
    const id = this.store.get(input).id;
    return this.locked(id, () => updateLocked(this.ctx, this.store.get(id), this.live.get(id)?.cgroupsPath, req));
  }

  /** Registers the wait now (so `docker run` cannot miss a fast exit) and returns its result promise. */
  wait(input: string, condition: WaitCondition, signal: AbortSignal): { result: Promise<WaitResult> } {
    const rec = this.store.get(input);
    if (condition === "not-running" && !isLive(rec) && rec.state.status !== "restarting") {
      return { result: Promise.resolve({ StatusCode: rec.state.exitCode, Error: null }) };
    }
    return { result: waitResult(rec.id, condition === "removed" ? this.removals.next(rec.id) : this.exits.next(rec.id), signal) };
  }

  // ---- networks (containerNetwork.ts) ----

  /** POST /networks/{id}/connect: now when it runs, else in its record for the next start. */
  async connectNetwork(input: string, network: string, cfg: EndpointSettings): Promise<void> {
    const id = this.store.get(input).id;
    await this.locked(id, () => connectContainer(this.ctx, this.store.get(id), network, cfg));
  }

  async disconnectNetwork(input: string, network: string): Promise<void> {
    const id = this.store.get(input).id;
    await this.locked(id, () => disconnectContainer(this.ctx, this.store.get(id), network));
  }

  /** Removes every stopped container the filters select; returns the ids and bytes freed. */
  async prune(select: (rec: ContainerRecord) => boolean): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let space = 0;
    for (const rec0 of this.store.all()) {
      if (isLive(rec0) || rec0.state.status === "restarting" || rec0.state.status === "removing" || !select(rec0)) continue;
      await this.locked(rec0.id, async () => {
        const rec = this.store.find(rec0.id);
        if (!rec || isLive(rec) || rec.state.status === "restarting" || rec.state.status === "removing") return;
        space += await this.ctx.engine.images.containerSize(rec.id).catch(() => 0);
        await this.removeLocked(rec);
        deleted.push(rec.id);
      });
    }
    return { ContainersDeleted: deleted, SpaceReclaimed: space };
  }

  /** The live process of a running container (pid, shim, cgroup), for stats/top/exec. */
  process(id: string): RunningProcess | undefined {
    return this.live.get(id);
  }

  // ---- daemon lifecycle ----

  /**
   * Live restore: every record is reconciled with its runtime state. Running containers whose
   * shim lives are adopted again; ones that ended while the daemon was away get their exit
   * recorded (exit code from the shim's `exit` file); restart policies then apply.
   */
  async restore(): Promise<void> {
    await clearStaleProbeState(this.ctx);
    for (const n of await BackgroundDeletes.sweep(containersDir(this.ctx.engine.paths))) this.ctx.log("info", `deleted ${n}, left by a removal the last daemon did not finish`);
    await restoreContainers(this.ctx, this.restoreHooks());
  }

  /**
   * Stops watching (monitors, restart timers) and lets verbs in progress finish (bounded), so
   * nothing writes to the database after the daemon closes it. Containers keep running for the
   * next daemon, which adopts them.
   */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    for (const l of this.live.values()) l.monitor.abort();
    this.exitMonitor.close();
    this.health.close();
    this.restarts.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.lock.pending()), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    await this.premade.close();
    await this.deletes.flush();
  }

  /** Hooks liveRestore uses to adopt or finish containers (kept private to this class otherwise). */
  private restoreHooks() {
    return {
      adopt: (rec: ContainerRecord, p: RunningProcess, startedMs: number) => this.watch(rec.id, p, startedMs),
      exited: (rec: ContainerRecord, p: RunningProcess | null, exit: ExitRecord | null) => this.locked(rec.id, () => this.handleExit(rec.id, p, exit)),
      start: (rec: ContainerRecord) => this.locked(rec.id, async () => void (await this.startLocked(rec.id, true))),
      remove: (rec: ContainerRecord) => this.locked(rec.id, () => this.removeLocked(rec)),
      reconciled: () => restoreNetworking(this.ctx),
    };
  }

  // ---- internals ----

  private checkOpen(): void {
    if (this.closed) throw new EngineError("Unavailable", "the daemon is shutting down");
  }

  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.run(id, fn);
  }

  private async startLocked(id: string, isRestart: boolean): Promise<"done" | "notModified"> {
    const rec = this.store.get(id);
    if (rec.state.status === "running" || rec.state.status === "paused") return "notModified";
    if (rec.state.status === "removing") throw conflict(`cannot start container ${id}: removal in progress`);
    if (rec.state.status === "restarting") this.cancelRestart(id);
    // Each hook hears about this start attempt exactly once: at shim-ready, or (start failed
    // before that) with a runtime directory that holds no shim, so a waiting attach ends.
    const pending = new Set(this.shimReady.get(id) ?? []);
    const hooks = [...pending].map((h): ShimReadyHook => (dir) => {
      pending.delete(h);
      return h(dir);
    });
    let p: RunningProcess;
    try {
      p = await startProcess(this.ctx, rec, hooks);
    } catch (e) {
      this.releaseShimWaiters(id, pending);
      const err = isEngineError(e) ? e : internal(String(e));
      rec.state.error = err.fullMessage();
      rec.state.exitCode = startFailureExitCode(err);
      if (rec.state.status === "restarting") rec.state.status = "exited";
      this.store.save(rec);
      if (isRestart) this.exits.resolve(id, rec.state.exitCode);
      // moby removes an AutoRemove container whose start failed (`docker run --rm` waits for it).
      if (rec.hostConfig.AutoRemove) {
        await this.removeLocked(rec).catch((re) => this.ctx.log("error", `container ${id}: removing it after its failed start: ${(re as Error).message}`));
      }
      throw err;
    }
    rec.state = {
      ...rec.state, status: "running", pid: p.pid, exitCode: 0, error: "", oomKilled: false,
      startedAt: rfc3339Nano(nowNano()), manuallyStopped: false,
    };
    this.store.save(rec);
    this.watch(id, p, Date.now());
    emit(this.ctx, rec, "start");
    // The next container's cgroup, made ahead once this start has left the daemon idle.
    this.ctx.engine.runtimeCgroups?.refillSoon();
    mark("start: end");
    return "done";
  }

  /** Monitors the shim (ExitMonitor: an idle ctl.sock connection it closes at exit) until its `exit` record ends the container. */
  private watch(id: string, p: RunningProcess, startedMs: number): void {
    const monitor = new AbortController();
    this.live.set(id, { ...p, startedMs, monitor });
    const cancel = this.exitMonitor.watch(id, { dir: this.runtimeDir(id), shimPid: p.shimPid, shimStartTime: p.shimStartTime }, (exit) => {
      if (monitor.signal.aborted) return;
      mark("exit: seen");
      this.locked(id, () => this.handleExit(id, p, exit)).catch((e) => this.ctx.log("error", `container ${id}: handling its exit failed: ${(e as Error).message}`));
    });
    monitor.signal.addEventListener("abort", cancel, { once: true });
    const rec = this.store.find(id);
    if (rec) startHealthChecks(this.health, rec, startedMs, (m) => this.ctx.log("warn", m));
  }

  /**
   * berth's restart-on-unhealthy (label berth.restart-on-unhealthy=true): stop as `docker stop`
   * does, start again, count it in RestartCount, event `restart` with reason=unhealthy.
   */
  private restartUnhealthy(id: string): void {
    const rec0 = this.store.find(id);
    if (!rec0 || !wantsRestartOnUnhealthy(rec0) || this.closed) return;
    void (async () => {
      // Already stopped (by the user, or it exited meanwhile): nothing to restart.
      if ((await this.stop(id, {})) === "notModified") return;
      const restarted = await this.locked(id, async () => {
        const rec = this.store.find(id);
        if (!rec || rec.state.status !== "exited" || this.closed) return false;
        rec.restartCount++;
        this.store.save(rec);
        await this.startLocked(id, false);
        return true;
      });
      if (restarted) emit(this.ctx, this.store.get(id), "restart", { reason: "unhealthy" });
    })().catch((e) => this.ctx.log("warn", `container ${id}: restart after turning unhealthy failed: ${(e as Error).message}`));
  }

  private async handleExit(id: string, p: RunningProcess | null, exit: ExitRecord | null): Promise<void> {
    this.health.stop(id);
    const live = this.live.get(id);
    this.live.delete(id);
    const rec = this.store.find(id);
    if (!rec) return;
    const ranMs = live ? Date.now() - live.startedMs : 0;
    const code = await finishExit(this.ctx, rec, p ?? live ?? null, exit);
    const restart = !this.closed && shouldRestart(rec.hostConfig.RestartPolicy, { exitCode: code, restartCount: rec.restartCount, manuallyStopped: rec.state.manuallyStopped === true });
    if (restart) {
      rec.restartCount++;
      rec.state.status = "restarting";
      this.store.save(rec);
      this.restarts.schedule(id, ranMs, () => {
        this.locked(id, async () => {
          const cur = this.store.find(id);
          if (cur && cur.state.status === "restarting") await this.startLocked(id, true);
        }).catch((e) => this.ctx.log("warn", `container ${id}: restart failed: ${(e as Error).message}`));
      });
    }
    this.exits.resolve(id, code);
    try {
      if (!restart && rec.hostConfig.AutoRemove) await this.removeLocked(rec);
    } finally {
      // The runtime's state directory, renamed away by finishExit, goes now: not competing with this.
      this.ctx.engine.runtimeDeletes?.release();
      this.ctx.engine.runtimePremade?.refillSoon();
      this.ctx.engine.runtimeCgroups?.refillSoon();
    }
  }

  /**
   * The container's directory goes the way BackgroundDeletes.remove sends it (renamed to its
   * `.rm-` sibling, which restore sweeps, then deleted in the background), but renamed
   * synchronously: one ~10 µs syscall, where the thread-pool round trip took 0.6-1.9 ms while
   * the removed layer's background delete kept the pool busy.
   */
  private removeDirLater(dir: string): void {
    const doomed = join(dirname(dir), `.rm-${basename(dir)}`);
    try {
      renameSync(dir, doomed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    this.deletes.start(doomed);
  }

  /** Tells shim-ready hooks that no shim is coming for this attempt (connecting to it fails). */
  private releaseShimWaiters(id: string, hooks: Set<ShimReadyHook>): void {
    for (const h of hooks) h(this.runtimeDir(id)).catch(() => {});
  }

  private cancelRestart(id: string): void {
    this.restarts.cancel(id);
  }

  private async removeLocked(rec: ContainerRecord): Promise<void> {
    const { engine } = this.ctx;
    const exitCode = rec.state.exitCode;
    rec.state.status = "removing";
    this.store.save(rec);
    mark("remove: begin");
    try {
      await releaseNetworking(this.ctx, rec);
      mark("remove: networking released");
      await unmountRootfs(rec.dir);
      await tearDownIpcShm(rec);
      mark("remove: unmounted");
      await engine.images.removeContainerRootfs(rec.id);
      mark("remove: rootfs removed");
      this.removeDirLater(rec.dir);
      this.premade.refillSoon();
      mark("remove: dir renamed");
    } catch (e) {
      rec.state.status = "dead";
      rec.state.error = (e as Error).message;
      this.store.save(rec);
      throw internal(`remove container ${rec.id}: ${(e as Error).message}`, { cause: e });
    }
    this.store.delete(rec.id);
    // docker run --rm: the container's anonymous volumes go with it (moby's AutoRemove removes volumes).
    if (rec.hostConfig.AutoRemove && this.ctx.volumes) {
      for (const f of await removeAnonymousVolumes(this.ctx.volumes, rec.volumes ?? [])) this.ctx.log("warn", `remove container ${rec.id}: volume ${f}`);
    }
    this.restarts.forget(rec.id);
    this.releaseShimWaiters(rec.id, new Set(this.shimReady.get(rec.id) ?? []));
    this.shimReady.delete(rec.id);
    emit(this.ctx, rec, "destroy");
    this.removals.resolve(rec.id, exitCode);
    mark("remove: end");
  }
}

export { isLive } from "./isLive.js";
