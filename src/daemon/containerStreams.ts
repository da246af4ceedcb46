/**
 * The streaming half of the API's ContainerBackend (logs, attach, resize, stats, top, changes,
 * export, archive) over the engine's container lookup, the runtime and the image service. The
 * container engine's adapter (containerBackend.ts) delegates these methods here.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, join, posix } from "node:path";
import type { Spec } from "../oci/runtime.js";
import { Readable } from "node:stream";
import type { AttachOptions, ContainerBackend, LogsOptions, LogStream, OpenStreams } from "../api/backend.js";
import type { FilesystemChange, PathStat, StatsResponse } from "../api/types/container.js";
import { conflict, EngineError } from "../errors/EngineError.js";
import type { ImageService } from "../image/ImageService.js";
import { readRecord, type ContainerRecord as RuntimeRecord } from "../runtime/containerStore.js";
import { ctlRequest } from "../runtime/ctlSocket.js";
import type { RuntimeContext } from "../runtime/RuntimeContext.js";
import type { ContainerLookup, ContainerRecord } from "../engine/containers/ContainerRecord.js";
import { resolveImageUser } from "../engine/imageUser.js";
import { runAttachSession, connectIfRunning } from "../engine/io/attach/attachSession.js";
import { ShimAttachment } from "../engine/io/attach/shimAttach.js";
import { containerLogBatches, containerLogs, outputFinished, parseTail } from "../engine/io/logs/containerLogs.js";
import { parseLogTimeBound } from "../engine/io/logs/logTime.js";
import { emptyStats, statsStream } from "../engine/io/stats.js";
import { containerTop } from "../engine/io/top.js";
import { containerChanges, overlayLowerDirs } from "../engine/io/changes/containerChanges.js";
import { openContainerRoot, type RootAccess } from "../engine/io/archive/containerRoot.js";
import { archiveContainerPath, extractToContainerPath, statContainerPath } from "../engine/io/archive/containerArchive.js";

export type ContainerStreamMethods = Pick<ContainerBackend, "logs" | "attach" | "resize" | "stats" | "top" | "changes" | "export" | "archiveStat" | "archiveGet" | "archivePut">;

/** The lookup, plus the engine's hook that lets attach connect to a new shim before its process runs (ContainerEngine has it). */
export interface StreamsLookup extends ContainerLookup {
  onShimReady?(id: string, hook: (runtimeDir: string) => Promise<void>): () => void;
}

export interface ContainerStreamsDeps {
  lookup: StreamsLookup;
  runtime: RuntimeContext;
  images: ImageService;
  /** The daemon's default detach keys (Docker's ctrl-p,ctrl-q otherwise). */
  detachKeys?: string;
}

const isLive = (r: ContainerRecord) => r.state.status === "running" || r.state.status === "paused";

async function runtimeRecord(lookup: ContainerLookup, id: string): Promise<RuntimeRecord | null> {
  const dir = lookup.runtimeDir(id);
  return readRecord(dirname(dir), basename(dir)).catch(() => null);
}

/** Where the container's spec mounts things (its mountpoints are not changes, see containerChanges). */
async function mountDestinations(dir: string): Promise<Set<string>> {
  try {
    const spec = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as Spec;
    return new Set((spec.mounts ?? []).map((m) => posix.normalize(m.destination)));
  } catch {
    return new Set(); // never started: nothing was mounted into it
  }
}

function notRunning(rec: ContainerRecord): EngineError {
  return conflict(`Container ${rec.id} is not running`);
}

export function containerStreams(deps: ContainerStreamsDeps): ContainerStreamMethods {
  const { lookup, runtime, images } = deps;

  const cgroupOf = async (rec: ContainerRecord): Promise<string> => {
    const rt = await runtimeRecord(lookup, rec.id);
    if (!rt || !rt.cgroupsPath || !runtime.cgroups) throw notRunning(rec);
    return rt.cgroupsPath;
  };

  /**
   * The container's files for docker cp. A running container is frozen for the duration (as
   * Docker pauses it since CVE-2018-15664), so its processes cannot swap a checked directory for
   * a symlink between our lstat and our use; it is thawed on release unless it was paused
   * before or got paused meanwhile.
   */
  const rootOf = async (rec: ContainerRecord, write: boolean): Promise<RootAccess> => {
    let thaw = async () => {};
    if (rec.state.status === "running" && runtime.cgroups) {
      const cg = runtime.cgroups;
      const path = await cgroupOf(rec).catch(() => null);
      if (path && (await cg.freezerState(path).catch(() => "thawed")) === "thawed") {
        await cg.freeze(path);
        thaw = async () => {
          let status = "";
          try { status = lookup.get(rec.id).state.status; } catch { /* removed meanwhile */ }
          if (status !== "paused") await cg.thaw(path).catch(() => {});
        };
      }
    }
    try {
      const access = await openContainerRoot({
        pid: isLive(rec) ? rec.state.pid : 0,
        rootfsDir: `${rec.dir}/rootfs`,
        mounts: () => images.containerMounts(rec.id),
        tempParent: rec.dir,
      }, write);
      let released = false;
      return {
        root: access.root,
        async release() {
          if (released) return;
          released = true;
          try { await access.release(); } finally { await thaw(); }
        },
      };
    } catch (e) {
      await thaw();
      throw e;
    }
  };

  return {
    async logs(id: string, options: LogsOptions, signal: AbortSignal): Promise<LogStream> {
      const rec = lookup.get(id);
      // Bad parameters are a 400 before the stream starts.
      parseTail(options.tail);
      parseLogTimeBound(options.since, "since");
      parseLogTimeBound(options.until, "until");
      const runtimeDir = lookup.runtimeDir(rec.id);
      // A created container's follow waits for its start (and then its exit), as Docker's.
      const finished = async () => {
        let status: string;
        try { status = lookup.get(rec.id).state.status; } catch { return true; }
        return status !== "created" && (await outputFinished(runtimeDir));
      };
      const tty = rec.config.Tty === true;
      const src = { logPath: rec.logPath, runtimeDir, finished };
      // Both are lazy generators: the writer reads `encoded` (batched wire bytes), `chunks` stays unread.
      return { tty, chunks: containerLogs(src, options, signal), encoded: containerLogBatches(src, options, !tty, signal) };
    },

    async attach(id: string, options: AttachOptions, open: OpenStreams, signal: AbortSignal): Promise<void> {
      const rec = lookup.get(id);
      if (rec.state.status === "paused") throw conflict("You cannot attach to a paused container, unpause it first");
      if (rec.state.status === "restarting") throw conflict("You cannot attach to a restarting container, wait until it is running");
      const tty = rec.config.Tty === true;
      const target = { stateDir: lookup.runtimeDir(rec.id), logPath: rec.logPath, tty };
      const req = { ...options, detachKeys: options.detachKeys || deps.detachKeys };
      // Not running yet (docker run / docker start -a attach first): connect when the engine has
      // the new shim up, before the process runs, so no output is missed.
      let unregister = () => {};
      let connect: (() => Promise<ShimAttachment | null>) | undefined;
      if (options.stream && rec.state.status !== "running" && lookup.onShimReady) {
        const ready = new Promise<ShimAttachment | null>((resolve) => {
          const onAbort = () => resolve(null);
          signal.addEventListener("abort", onAbort, { once: true });
          unregister = lookup.onShimReady!(rec.id, async (dir) => {
            unregister();
            signal.removeEventListener("abort", onAbort);
            // Never fail the start because of an attach client.
            resolve(await ShimAttachment.open(dir, { raw: tty, signal }).catch(() => null));
          });
        });
        connect = () => ready;
      }
      try {
        const client = open(tty);
        await runAttachSession(target, req, client, signal, connect ?? (() => connectIfRunning(target, signal)));
      } finally {
        unregister();
      }
    },

    async resize(id: string, height: number, width: number): Promise<void> {
      const rec = lookup.get(id);
      if (!isLive(rec)) throw notRunning(rec);
      if (rec.config.Tty !== true) return; // nothing to size without a terminal
      const reply = await ctlRequest(lookup.runtimeDir(rec.id), `resize\t${height}\t${width}`);
      if (reply !== "ok") throw new EngineError("Internal", `resize container ${rec.id}: ${reply.split("\t").slice(3).join(" ") || reply}`);
    },

    async stats(id: string, options: { stream: boolean; oneShot: boolean }, signal: AbortSignal): Promise<AsyncIterable<StatsResponse>> {
      const rec = lookup.get(id);
      const who = { id: rec.id, name: rec.name };
      if (!isLive(rec)) return (async function* () { yield emptyStats(who); })();
      const path = await cgroupOf(rec);
      const cgroups = runtime.cgroups!;
      return statsStream({
        stream: options.stream, oneShot: options.oneShot, who, signal,
        read: () => cgroups.stats(path),
        running: async () => { try { return isLive(lookup.get(rec.id)); } catch { return false; } },
      });
    },

    async top(id: string, psArgs: string | undefined) {
      const rec = lookup.get(id);
      if (!isLive(rec)) throw notRunning(rec);
      const pids = await runtime.cgroups!.pids(await cgroupOf(rec));
      return containerTop(pids.sort((a, b) => a - b), psArgs);
    },

    async changes(id: string): Promise<FilesystemChange[]> {
      const rec = lookup.get(id);
      const upper = await images.containerUpperDir(rec.id);
      const lowers = overlayLowerDirs(await images.containerMounts(rec.id));
      return containerChanges(upper, lowers, await mountDestinations(rec.dir));
    },

    async export(id: string): Promise<Readable> {
      const rec = lookup.get(id);
      return Readable.from(images.exportContainer(rec.id), { objectMode: false });
    },

    async archiveStat(id: string, path: string): Promise<PathStat> {
      const rec = lookup.get(id);
      const access = await rootOf(rec, false);
      try {
        return await statContainerPath(access.root, path, rec.name);
      } finally {
        await access.release();
      }
    },

    async archiveGet(id: string, path: string) {
      const rec = lookup.get(id);
      return archiveContainerPath(await rootOf(rec, false), path, rec.name);
    },

    async archivePut(id: string, path: string, tar: Readable, options: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void> {
      const rec = lookup.get(id);
      if (rec.hostConfig.ReadonlyRootfs) throw new EngineError("Forbidden", "container rootfs is marked read-only");
      const access = await rootOf(rec, true);
      let chownTo: { uid: number; gid: number } | undefined;
      try {
        if (options.copyUIDGID) {
          const u = await resolveImageUser(access.root, rec.config.User || undefined);
          chownTo = { uid: u.uid, gid: u.gid };
        }
      } catch (e) {
        await access.release();
        throw e;
      }
      await extractToContainerPath(access, path, tar, { noOverwriteDirNonDir: options.noOverwriteDirNonDir, chownTo, containerName: rec.name });
    },
  };
}
