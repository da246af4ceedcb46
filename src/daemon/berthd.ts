/**
 * berthd's composition: the data root's lock, the engine (database, images, runtime), the
 * network service (netlink helper, DNS resolver), the container engine with live restore, the
 * event bus, the backends of every part, the API server.
 * Closing stops serving and watching but leaves containers running: their shims outlive the
 * daemon and the next berthd adopts them.
 */
import { accessSync, constants } from "node:fs";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Backends } from "../api/backend.js";
import { ApiServer } from "../api/server.js";
import { EngineError, invalidArgument } from "../errors/EngineError.js";
import { closeEngine, openEngine, type Engine } from "../engine/Engine.js";
import { warmUp } from "../engine/warmUp.js";
import { ContainerEngine } from "../engine/containers/ContainerEngine.js";
import type { LogFn } from "../engine/containers/ContainerContext.js";
import { EventBus } from "../engine/events/EventBus.js";
import { loadUsernsSettings } from "../engine/containers/usernsHost.js";
import { mapText } from "../engine/containers/usernsIds.js";
import { isAlive, parseProcStat } from "../sys/procStat.js";
import { containerBackend } from "./containerBackend.js";
import { containerStreams } from "./containerStreams.js";
import { makeExecBackend } from "./execBackend.js";
import { createImageBackend } from "./imageBackend.js";
import type { DaemonOptions } from "./options.js";
import { createSystemBackend } from "./systemBackend.js";
import { VolumeStore } from "../engine/volumes/VolumeStore.js";
import { createVolumeBackend, volumeUsage, withVolumeRemoval } from "./volumeBackend.js";
import { createNetworkBackend, openNetworking, withContainerNetworks, type Networking } from "./networkBackend.js";
import { placeExecRoot, type ExecRootPlacement } from "./execRootTmpfs.js";

export interface Daemon {
  engine: Engine;
  containers: ContainerEngine;
  events: EventBus;
  server: ApiServer;
  /** Graceful stop: no new requests, streams cut, monitors stopped; containers keep running. */
  close(): Promise<void>;
}

export const BERTH_VERSION = "0.1.0";

/** The lock that keeps a second daemon off the same data root: a file holding the owner's pid. */
async function lockDataRoot(dataRoot: string): Promise<() => Promise<void>> {
  const path = join(dataRoot, "berthd.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, "wx", 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => {
        const owner = await readFile(path, "utf8").catch(() => "");
        if (owner.trim() === String(process.pid)) await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        const stat = await readFile(`/proc/${pid}/stat`, "utf8").then((t) => parseProcStat(pid, t), () => null);
        if (isAlive(stat)) throw new EngineError("Conflict", `berthd: data root ${dataRoot} is in use by another daemon (pid ${pid}, lock ${path})`);
      }
      // The owner is gone (crash, kill -9): the lock is stale.
      await rm(path, { force: true });
    }
  }
  throw new EngineError("Conflict", `berthd: could not take the lock ${path}`);
}

export async function startDaemon(opts: DaemonOptions, log: LogFn): Promise<Daemon> {
  await mkdir(opts.dataRoot, { recursive: true, mode: 0o711 });
  const unlock = await lockDataRoot(opts.dataRoot);
  let engine: Engine | undefined;
  let containers: ContainerEngine | undefined;
  let net: Networking | undefined;
  let stopClaims = () => {};
  let execRoot: ExecRootPlacement | undefined;
  try {
    // Before anything is written there (the pid file and the socket may be inside it).
    execRoot = await placeExecRoot(opts.execRoot, log, { ownPaths: [opts.pidFile, opts.socketPath] });
    await mkdir(dirname(opts.pidFile), { recursive: true });
    await writeFile(opts.pidFile, `${process.pid}`);
    if (opts.initPath) checkInitPath(opts.initPath);
    engine = await openEngine({ dataRoot: opts.dataRoot, execRoot: opts.execRoot });
    const events = new EventBus();
    // Volume references are the container records' (one source of truth): asked, never copied.
    const volumes = new VolumeStore({
      db: engine.db,
      root: join(opts.dataRoot, "volumes"),
      users: (name) => (containers?.store.all() ?? []).filter((r) => r.volumes?.some((v) => v.name === name)).map((r) => r.id),
    });
    net = await openNetworking(opts, engine.db, log);
    const networks = net.service;
    const userns = await loadUsernsSettings(opts.usernsRemap);
    if (userns.remap) log("info", `user namespaces: containers run as ${userns.remap.name} (uids ${mapText(userns.remap.uids)}, gids ${mapText(userns.remap.gids)})`);
    containers = new ContainerEngine({ engine, events, log, volumes, networks, hostGateway: () => net?.hostGateway(), userns, init: { byDefault: opts.init, ...(opts.initPath ? { path: opts.initPath } : {}) } });
    // A create claims its volumes until its record holds them: the create event says it does.
    const volumeClaims = new AbortController();
    stopClaims = () => volumeClaims.abort();
    const creates = events.subscribe({ filters: new Map([["type", new Set(["container"])], ["event", new Set(["create"])]]) }, volumeClaims.signal);
    void (async () => {
      for await (const e of creates) volumes.release(e.Actor.ID);
    })().catch((e: unknown) => {
      if (!volumeClaims.signal.aborted) log("error", `volume claims: ${(e as Error).message}`);
    });
    await containers.restore();

    const ctr0 = containers;
    const streams = containerStreams({ lookup: ctr0, runtime: engine.runtime, images: engine.images });
    const exec = makeExecBackend({ lookup: ctr0, runtime: engine.runtime, events });
    const containerApi = withContainerNetworks(withVolumeRemoval(containerBackend(ctr0, streams), ctr0, volumes, log), ctr0);
    const backends: Backends = {
      containers: containerApi,
      exec: exec.backend,
      images: createImageBackend({
        images: engine.images,
        emit: (e) => events.publish(e),
        isContainerRunning: (id) => ctr0.store.find(id)?.state.status === "running" || ctr0.store.find(id)?.state.status === "paused",
      }),
      system: createSystemBackend({
        images: engine.images,
        dataRoot: opts.dataRoot,
        listContainers: ({ size }) => containerApi.list({ all: true, size, filters: new Map() }),
        events,
        runtimePath: engine.runtime.shimPath,
        volumeUsage: () => volumeUsage(volumes),
        userns: userns.remap !== undefined,
      }),
      volumes: createVolumeBackend(volumes, { emit: (action, name, attributes) => events.publish({ Type: "volume", Action: action, id: name, attributes }) }),
      networks: createNetworkBackend({ networks, containers: ctr0, events }),
    };
    const server = new ApiServer({ socketPath: opts.socketPath, backends, version: BERTH_VERSION, socketGid: opts.socketGid });
    await mkdir(dirname(opts.socketPath), { recursive: true });
    await server.listen();
    const warm = engine;
    void warmUp(warm).catch((e: unknown) => log("debug", `warm-up: ${(e as Error).message}`));
    const eng = engine;
    const ctr = containers;
    const nw = net;
    const place = execRoot;
    let closing: Promise<void> | null = null;
    return {
      engine: eng, containers: ctr, events, server,
      close: () => (closing ??= (async () => {
        await server.close();
        stopClaims();
        exec.manager.close(); // its exit watchers of detached execs
        await ctr.close();
        // Containers are no longer watched: nothing asks the network service any more.
        await nw.close();
        await closeEngine(eng);
        await rm(opts.pidFile, { force: true });
        await place.release();
        await unlock();
      })()),
    };
  } catch (e) {
    stopClaims();
    await containers?.close();
    await net?.close().catch((ce) => log("error", `closing networking: ${(ce as Error).message}`));
    if (engine) await closeEngine(engine).catch(() => {});
    await rm(opts.pidFile, { force: true }).catch(() => {});
    await execRoot?.release();
    await unlock();
    throw e;
  }
}

/** dockerd fails only when a container needs the init; berthd says at start that it cannot run. */
function checkInitPath(path: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch (e) {
    throw invalidArgument(`berthd: --init-path ${path}: not an executable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
