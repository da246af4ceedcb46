/**
 * The API's ContainerBackend over the daemon's ContainerEngine (lifecycle, queries, waits), with
 * the streaming routes (logs, attach, stats, top, export, archive, resize) delegated to the
 * container streams part when the daemon has it.
 */
import type { ChangeResult, ContainerBackend, PendingWait, RemoveOptions, StopOptions } from "../api/backend.js";
import type { Filters } from "../api/filters.js";
import type {
  ContainerCreateOptions, ContainerCreateRequest, ContainerCreateResponse, ContainerInspect, ContainerListOptions,
  ContainerPruneResponse, ContainerSummary, ContainerUpdateRequest, ContainerUpdateResponse, WaitCondition,
} from "../api/types/container.js";
import { EngineError, invalidArgument } from "../errors/EngineError.js";
import { commitContainer } from "./commitBackend.js";
import type { ContainerEngine } from "../engine/containers/ContainerEngine.js";
import type { ContainerRecord } from "../engine/containers/ContainerRecord.js";
import { inspectView, summaryView } from "../engine/containers/containerViews.js";
import { pruneSelector, selectContainers } from "../engine/containers/listFilters.js";

/** The routes another part of the daemon serves (src/daemon/containerStreams.ts). */
export type StreamMethods = Pick<ContainerBackend, "logs" | "attach" | "stats" | "top" | "changes" | "export" | "archiveStat" | "archiveGet" | "archivePut" | "resize">;

const missing = (what: string) => new EngineError("NotImplemented", `${what} is not implemented in this berthd build yet`);

export function containerBackend(containers: ContainerEngine, streams: Partial<StreamMethods> = {}): ContainerBackend {
  const images = containers.ctx.engine.images;
  const sizes = async (rec: ContainerRecord) => {
    const rw = await images.containerSize(rec.id).catch(() => 0);
    const img = images.tryResolve(rec.imageId);
    return { rw, rootFs: rw + (img?.unpackedSize ?? 0) };
  };
  const stream = <K extends keyof StreamMethods>(k: K): NonNullable<StreamMethods[K]> => {
    const fn = streams[k];
    if (!fn) return (async () => { throw missing(`container ${k}`); }) as unknown as NonNullable<StreamMethods[K]>;
    return fn;
  };
  return {
    async list(o: ContainerListOptions): Promise<ContainerSummary[]> {
      const recs = selectContainers(containers.store, images, { all: o.all, limit: o.limit, filters: o.filters });
      const out: ContainerSummary[] = [];
      for (const r of recs) out.push(summaryView(r, o.size ? await sizes(r) : undefined));
      return out;
    },
    create: (req: ContainerCreateRequest, o: ContainerCreateOptions): Promise<ContainerCreateResponse> => containers.create(req, o),
    async inspect(id: string, o: { size: boolean }): Promise<ContainerInspect> {
      const rec = containers.get(id);
      return inspectView(images, rec, o.size ? await sizes(rec) : undefined);
    },
    start: (id: string): Promise<ChangeResult> => containers.start(id),
    stop: (id: string, o: StopOptions): Promise<ChangeResult> => containers.stop(id, o),
    restart: (id: string, o: StopOptions) => containers.restart(id, o),
    kill: (id: string, signal: string | undefined) => containers.kill(id, signal),
    remove: (id: string, o: RemoveOptions) => {
      if (o.removeLink) throw invalidArgument("Conflict, cannot remove the default link name of the container");
      return containers.remove(id, { force: o.force });
    },
    rename: (id: string, name: string) => containers.rename(id, name),
    pause: (id: string) => containers.pause(id),
    unpause: (id: string) => containers.unpause(id),
    update: (id: string, u: ContainerUpdateRequest): Promise<ContainerUpdateResponse> => containers.update(id, u),
    async prune(filters: Filters): Promise<ContainerPruneResponse> {
      const r = await containers.prune(pruneSelector(filters));
      return { ContainersDeleted: r.ContainersDeleted.length > 0 ? r.ContainersDeleted : null, SpaceReclaimed: r.SpaceReclaimed };
    },
    async wait(id: string, condition: WaitCondition, signal: AbortSignal): Promise<PendingWait> {
      return containers.wait(id, condition, signal);
    },
    top: (...a) => stream("top")(...a),
    changes: (...a) => stream("changes")(...a),
    resize: (...a) => stream("resize")(...a),
    logs: (...a) => stream("logs")(...a),
    attach: (...a) => stream("attach")(...a),
    stats: (...a) => stream("stats")(...a),
    export: (...a) => stream("export")(...a),
    archiveStat: (...a) => stream("archiveStat")(...a),
    archiveGet: (...a) => stream("archiveGet")(...a),
    archivePut: (...a) => stream("archivePut")(...a),
    commit: (req) => commitContainer(containers, req),
  };
}
