import { join } from "node:path";

/** Where the engine keeps things: persistent data under dataRoot, volatile state under execRoot. */
export interface EnginePaths {
  /** /var/lib/berth: berth.db, content/, snapshots/, containers/<id>/. */
  dataRoot: string;
  /** /run/berth: runtime state (runtime/), sockets. */
  execRoot: string;
}

export const DEFAULT_PATHS: EnginePaths = { dataRoot: "/var/lib/berth", execRoot: "/run/berth" };

export const dbPath = (p: EnginePaths) => join(p.dataRoot, "berth.db");
export const containersDir = (p: EnginePaths) => join(p.dataRoot, "containers");
export const containerDir = (p: EnginePaths, id: string) => join(containersDir(p), id);
export const runtimeRoot = (p: EnginePaths) => join(p.execRoot, "runtime");
export const seccompCacheDir = (p: EnginePaths) => join(p.dataRoot, "seccomp");
