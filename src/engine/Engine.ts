import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { ImageService } from "../image/ImageService.js";
import { ensureDefaultImage } from "../image/defaultImage.js";
import type { SqliteDatabase } from "../image/metadata/sqlite.js";
import type { RuntimeContext } from "../runtime/RuntimeContext.js";
import { linuxRuntimeContext } from "../runtime/linuxContext.js";
import { releaseCgroupParent } from "../runtime/containerCgroup.js";
import { PremadeCgroups } from "../runtime/premadeCgroups.js";
import { BackgroundDeletes } from "../util/backgroundDeletes.js";
import { STATE_DIR_LAYOUT } from "../runtime/lifecycle/create.js";
import { PremadeDirs } from "./containers/premadeDirs.js";
import { containersDir, dbPath, DEFAULT_PATHS, runtimeRoot, seccompCacheDir, type EnginePaths } from "./paths.js";

/**
 * The engine's parts, wired once: the metadata database, the image service and the runtime.
 * Passed explicitly to every engine operation (no singletons).
 */
export interface Engine {
  paths: EnginePaths;
  db: SqliteDatabase & { close(): unknown };
  images: ImageService;
  runtime: RuntimeContext;
  /** The runtime's deleted state directories (runtime.stateDeletes); released by exit handling. */
  runtimeDeletes?: HeldDeletes;
  /** The runtime's state directories made ahead (runtime.premadeStateDirs); refilled by exit handling. */
  runtimePremade?: PremadeDirs;
  /** Containers' cgroups made ahead (runtime.premadeCgroups, cgroup v1 only); refilled after starts and exits. */
  runtimeCgroups?: PremadeCgroups;
}

/**
 * Deleted runtime state directories (already renamed out of the way), held until the exit
 * whose runtime delete made them has been handled (ContainerEngine releases them then: after
 * a `docker run --rm` container's removal too) and then removed in the background: started at
 * once, their dozen thread-pool round trips competed with that removal's own and delayed it.
 * A timer releases whatever nobody released (a delete outside exit handling).
 */
export class HeldDeletes {
  private held: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deletes: BackgroundDeletes, private readonly maxHoldMs = 100) {}

  start(path: string): void {
    this.held.push(path);
    this.timer ??= setTimeout(() => this.release(), this.maxHoldMs).unref();
  }

  /** Starts deleting everything held. */
  release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const paths = this.held;
    this.held = [];
    for (const p of paths) this.deletes.start(p);
  }

  /** Releases and waits until every delete has finished. */
  async flush(): Promise<void> {
    this.release();
    await this.deletes.flush();
  }
}

export async function openEngine(paths: EnginePaths = DEFAULT_PATHS): Promise<Engine> {
  await mkdir(paths.dataRoot, { recursive: true, mode: 0o711 });
  await mkdir(containersDir(paths), { recursive: true, mode: 0o700 });
  await mkdir(paths.execRoot, { recursive: true, mode: 0o711 });
  const db = openDatabase(dbPath(paths));
  db.pragma("busy_timeout = 5000");
  try {
    const images = await ImageService.open({ root: paths.dataRoot, db, spareDirs: true });
    // A fresh install runs containers with no registry at all: the built-in busybox image.
    // Unpacked now (once; later opens find it committed), so the first container does not pay.
    await images.ensureUnpacked(await ensureDefaultImage(images));
    const runtime = linuxRuntimeContext({ root: runtimeRoot(paths), seccompCacheDir: seccompCacheDir(paths) });
    // The daemon outlives its containers: deleted state directories go in the background
    // (flushed by closeEngine; what a crash left is swept here, with a state directory made
    // ahead) and berth's cgroup parent stays while it runs (removed by closeEngine if no
    // container is left in it).
    await BackgroundDeletes.sweep(runtime.root);
    const runtimeDeletes = new HeldDeletes(new BackgroundDeletes());
    runtime.stateDeletes = runtimeDeletes;
    runtime.keepCgroupParent = true;
    const runtimePremade = new PremadeDirs(runtime.root, STATE_DIR_LAYOUT);
    runtime.premadeStateDirs = runtimePremade;
    const renaming = PremadeCgroups.supported(runtime.cgroups);
    const runtimeCgroups = renaming && new PremadeCgroups(renaming, runtime.root);
    if (runtimeCgroups) {
      await runtimeCgroups.start();
      runtime.premadeCgroups = runtimeCgroups;
    }
    return { paths, db, images, runtime, runtimeDeletes, runtimePremade, ...(runtimeCgroups ? { runtimeCgroups } : {}) };
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Waits for the image service's and the runtime's background deletes, removes berth's cgroup
 * parent if no container is left in it (running ones stay for the next daemon), then closes
 * the database.
 */
export async function closeEngine(engine: Engine): Promise<void> {
  try {
    await engine.images.flushDeletes();
    await engine.runtimePremade?.close();
    await engine.runtimeDeletes?.flush();
    // Before the parent's release: a spare left in it would keep it.
    await engine.runtimeCgroups?.close();
    if (engine.runtime.keepCgroupParent && engine.runtime.cgroups) await releaseCgroupParent(engine.runtime.cgroups).catch(() => {});
  } finally {
    engine.db.close();
  }
}

type Db = SqliteDatabase & { close(): unknown };

/** better-sqlite3 is CommonJS without bundled types: loaded here, typed by the slice berth uses. */
function openDatabase(path: string): Db {
  const require = createRequire(import.meta.url);
  const Database = require("better-sqlite3") as new (p: string) => Db;
  return new Database(path);
}
