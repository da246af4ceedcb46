/**
 * The volume routes' backend over the engine's VolumeStore: Docker's list filters (name,
 * label, dangling, driver), inspect with UsageData left to `docker system df`, and prune with
 * API ≥ 1.42 semantics (unused anonymous volumes; all unused ones with all=true).
 */
import type { ContainerBackend, VolumeBackend } from "../api/backend.js";
import type { Filters } from "../api/filters.js";
import type { Volume } from "../api/types/volume.js";
import { invalidArgument } from "../errors/EngineError.js";
import type { LogFn } from "../engine/containers/ContainerContext.js";
import type { ContainerLookup } from "../engine/containers/ContainerRecord.js";
import { removeAnonymousVolumes } from "../engine/volumes/containerVolumes.js";
import type { VolumeInfo, VolumeStore } from "../engine/volumes/VolumeStore.js";

export interface VolumeEvents { emit(action: string, name: string, attributes?: Record<string, string>): void }

export function volumeView(v: VolumeInfo): Volume {
  return { CreatedAt: v.createdAt, Driver: "local", Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: null, Scope: "local" };
}

/** `label=k` or `label=k=v` against a volume's labels. */
function labelMatches(labels: Record<string, string>, spec: string): boolean {
  const i = spec.indexOf("=");
  if (i < 0) return spec in labels;
  return labels[spec.slice(0, i)] === spec.slice(i + 1);
}

function boolFilter(f: Filters, name: string): boolean | undefined {
  const vals = f.get(name);
  if (!vals || vals.size === 0) return undefined;
  const v = [...vals][0].toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw invalidArgument(`invalid filter '${name}=${[...vals][0]}'`);
}

export function createVolumeBackend(store: VolumeStore, events: VolumeEvents): VolumeBackend {
  return {
    async list(filters) {
      const dangling = boolFilter(filters, "dangling");
      const names = filters.get("name");
      const labels = filters.get("label");
      const drivers = filters.get("driver");
      const out = store.list().filter((v) => {
        if (names && ![...names].some((n) => v.name.includes(n))) return false;
        if (labels && ![...labels].every((l) => labelMatches(v.labels, l))) return false;
        if (drivers && !drivers.has("local")) return false;
        if (dangling !== undefined && (store.usedBy(v.name).length === 0) !== dangling) return false;
        return true;
      });
      return { Volumes: out.map(volumeView), Warnings: [] };
    },
    async create(req) {
      const v = await store.create({ name: req.Name || undefined, labels: req.Labels, driver: req.Driver, driverOpts: req.DriverOpts });
      events.emit("create", v.name, { driver: "local" });
      return volumeView(v);
    },
    async inspect(name) {
      return volumeView(store.get(name));
    },
    async remove(name, opts) {
      const existed = store.find(name) !== undefined;
      await store.remove(name, opts);
      if (existed) events.emit("destroy", name, { driver: "local" });
    },
    async prune(filters) {
      const all = boolFilter(filters, "all") === true;
      const labels = filters.get("label");
      const notLabels = filters.get("label!");
      const deleted: string[] = [];
      let reclaimed = 0;
      for (const v of store.list()) {
        if (!all && !v.anonymous) continue;
        if (labels && ![...labels].every((l) => labelMatches(v.labels, l))) continue;
        if (notLabels && [...notLabels].some((l) => labelMatches(v.labels, l))) continue;
        if (store.usedBy(v.name).length > 0) continue;
        const size = await store.size(v.name);
        try {
          await store.remove(v.name, { force: false });
        } catch {
          continue; // taken by a container created meanwhile
        }
        events.emit("destroy", v.name, { driver: "local" });
        deleted.push(v.name);
        if (size > 0) reclaimed += size;
      }
      events.emit("prune", "", { reclaimed: String(reclaimed) });
      return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
    },
  };
}

/**
 * `docker rm -v`: after the container is gone, its anonymous volumes are removed (named ones
 * stay, as in Docker). The container engine's remove knows nothing of the flag; this wraps it.
 */
export function withVolumeRemoval(backend: ContainerBackend, containers: ContainerLookup, store: VolumeStore, log: LogFn): ContainerBackend {
  return {
    ...backend,
    remove: async (id, o) => {
      const vols = o.removeVolumes ? containers.get(id).volumes ?? [] : [];
      await backend.remove(id, o);
      for (const f of await removeAnonymousVolumes(store, vols)) log("warn", `remove container ${id}: volume ${f}`);
    },
  };
}

/** `docker system df`: every volume with its size (du) and how many containers reference it. */
export async function volumeUsage(store: VolumeStore): Promise<Volume[]> {
  const out: Volume[] = [];
  for (const v of store.list()) out.push({ ...volumeView(v), UsageData: { Size: await store.size(v.name), RefCount: store.usedBy(v.name).length } });
  return out;
}
