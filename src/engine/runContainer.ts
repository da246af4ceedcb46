import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EngineError } from "../errors/EngineError.js";
import { mountAll, unmountAll } from "../image/snapshot/mountAll.js";
import type { Resources, Seccomp } from "../oci/runtime.js";
import { runContainer as runtimeRun } from "../runtime/lifecycle/run.js";
import { defaultSeccompProfile } from "../runtime/seccomp/defaultProfile.js";
import { Rollback } from "../runtime/rollback.js";
import { containerSpec, shortId, type NetworkMode } from "./containerSpec.js";
import type { CommandOverrides } from "./containerCommand.js";
import type { Engine } from "./Engine.js";
import { writeEtcFiles } from "./etcFiles.js";
import { resolveImageUser } from "./imageUser.js";
import { containerDir } from "./paths.js";

export interface RunRequest extends CommandOverrides {
  image: string;
  user?: string;
  hostname?: string;
  tty?: boolean;
  readOnly?: boolean;
  network?: NetworkMode;
  capAdd?: string[];
  capDrop?: string[];
  resources?: Resources;
  /** "unconfined" only when asked for; default is Docker's default profile. */
  seccomp?: Seccomp | "unconfined";
  noNewPrivileges?: boolean;
  labels?: Record<string, string>;
  /** Called with the container id and init pid once it runs (signal forwarding). */
  onStarted?: (id: string, pid: number) => void;
}

export interface RunOutcome {
  id: string;
  exitCode: number;
  warnings: string[];
}

/**
 * Runs a container from an image in the foreground and removes it afterwards (the CLI's
 * in-process `run`, until berthd keeps containers): image → writable snapshot → overlay
 * mounted at containers/<id>/rootfs → spec → runtime run (create, start, wait, delete) →
 * unmount → snapshot and directory removed. Every step is undone on failure.
 */
export async function runContainer(engine: Engine, req: RunRequest): Promise<RunOutcome> {
  const image = engine.images.resolve(req.image);
  const unpacked = await engine.images.ensureUnpacked(image);
  const id = randomBytes(32).toString("hex");
  const dir = containerDir(engine.paths, id);
  const rootfs = join(dir, "rootfs");
  const network = req.network ?? "none";
  const rb = new Rollback();
  try {
    await mkdir(rootfs, { recursive: true, mode: 0o700 });
    rb.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const mounts = await engine.images.prepareRootfs(id, image);
    rb.add(`remove the rootfs snapshot of ${id}`, () => engine.images.removeContainerRootfs(id));
    await mountAll(mounts, rootfs);
    rb.add(`unmount ${rootfs}`, () => unmountAll(rootfs));

    const user = await resolveImageUser(rootfs, req.user ?? unpacked.config.config?.User);
    const hostname = req.hostname || shortId(id);
    const etcFiles = await writeEtcFiles(dir, hostname, network);
    const capAdd = req.capAdd ?? [];
    const spec = containerSpec({
      ...req,
      id,
      image: unpacked.config,
      rootfs,
      user,
      hostname,
      network,
      etcFiles,
      seccomp: req.seccomp ?? defaultSeccompProfile({ capabilities: capAdd.map((c) => (c.toUpperCase().startsWith("CAP_") ? c.toUpperCase() : `CAP_${c.toUpperCase()}`)) }),
    });
    await writeFile(join(dir, "config.json"), JSON.stringify(spec), { mode: 0o600 });
    const result = await runtimeRun(engine.runtime, { id, bundle: dir, stdio: "inherit", onStarted: (pid) => req.onStarted?.(id, pid) });
    // Success: the same steps that undo a failure now remove the finished container.
    await rb.run(CLEANUP_DONE, `remove container ${id}`).catch((e: EngineError) => {
      if (e.cleanupErrors.length > 0) throw new EngineError("Internal", `remove container ${id}: cleanup failed`, { cleanupErrors: e.cleanupErrors });
    });
    return { id, exitCode: result.exitCode ?? 255, warnings: result.warnings };
  } catch (e) {
    return rb.run(e, `run ${req.image}`);
  }
}

/** Marker passed to Rollback.run on the success path (its error is discarded unless cleanup failed). */
const CLEANUP_DONE = new EngineError("Internal", "cleanup");
