import { randomBytes } from "node:crypto";
import { readdirSync, renameSync, type Dirent } from "node:fs";
import { destroyContainerCgroup } from "../containerCgroup.js";
import { readFile, rm, rmdir, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { conflict, isEngineError, wrapError } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { containerDir, readRecord, type ContainerRecord } from "../containerStore.js";
import { readExitRecord } from "../exitRecord.js";
import { runHooksCollectingFailures } from "../hooks.js";
import { canDelete } from "../state.js";
import { deriveStatus, isSameProcessAlive, ociState } from "../status.js";
import { waitForExit } from "../waitExit.js";
import type { RuntimeContext } from "../RuntimeContext.js";
import { mark } from "../../util/timingMarks.js";

export interface DeleteOptions {
  /** Kill a running or paused container first (SIGKILL to its whole cgroup). */
  force?: boolean;
}

export interface DeleteResult {
  warnings: string[];
}

const KILL_WAIT_MS = 10_000;

/** A create that died before recording the shim: the shim's own shim.pid still names it. */
async function adoptShimPidFile(ctx: RuntimeContext, dir: string, rec: ContainerRecord): Promise<void> {
  const text = await readFile(join(dir, "shim.pid"), "utf8").catch(() => "");
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const st = await ctx.sys.procStat(pid);
  if (st) {
    rec.shimPid = pid;
    rec.shimStartTime = st.startTime;
  }
}

/**
 * `delete`: (with force, or for a never-started container) kill it and wait for the shim's exit
 * record, run poststop hooks, destroy the cgroup, remove the state directory.
 */
export async function deleteContainer(ctx: RuntimeContext, idArg: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
  const id = validateId(idArg);
  const dir = containerDir(ctx.root, id);
  let rec: ContainerRecord;
  try {
    rec = await readRecord(ctx.root, id);
  } catch (e) {
    // A create that died before its first record left only a directory: --force clears it.
    if (opts.force && isEngineError(e, "NotFound") && (await stat(dir).catch(() => null))?.isDirectory()) {
      await rm(dir, { recursive: true, force: true });
      return { warnings: [`delete ${id}: removed a state directory without a record`] };
    }
    throw e;
  }
  mark("del: record read");
  // The shim's exit record (what deriveStatus looks at first) says stopped by itself, and that
  // the shim is past what there was to wait for below.
  const exitRecorded = rec.pid !== 0 && (await readExitRecord(dir)) !== null;
  const status = exitRecorded ? "stopped" : await deriveStatus(ctx, rec);
  mark("del: status");
  if (!canDelete(status) && !opts.force) throw conflict(`delete ${id}: cannot delete a container that is ${status} (stop it first or use --force)`);
  const warnings: string[] = [];
  if (status !== "stopped") {
    // "creating" (forced only): a create that died midway may have left a shim and an init in
    // the cgroup without recording their pids; the cgroup still finds them.
    if (ctx.cgroups && rec.cgroupsPath) {
      if (await ctx.cgroups.exists(rec.cgroupsPath)) await ctx.cgroups.killAll(rec.cgroupsPath, 9);
    } else if (rec.pid > 0) {
      try {
        ctx.sys.kill(rec.pid, 9);
      } catch {
        /* raced with its exit */
      }
    }
  }
  if (rec.shimPid === 0) await adoptShimPidFile(ctx, dir, rec);
  // The shim writes `exit` and drains output before it leaves: wait for the record, so the
  // directory is not pulled from under it. A shim that died without a record is also finished.
  if (!exitRecorded && rec.shimPid > 0 && (await isSameProcessAlive(ctx.sys, rec.shimPid, rec.shimStartTime))) {
    try {
      await waitForExit(ctx.sys, { dir, shimPid: rec.shimPid, shimStartTime: rec.shimStartTime }, { timeoutMs: KILL_WAIT_MS });
    } catch (e) {
      throw wrapError(e, `delete ${id}`);
    }
  }
  mark("del: waited");
  warnings.push(...(await runHooksCollectingFailures(ctx.sys, rec.poststop, ociState({ record: rec, status: "stopped" }), "poststop")));
  if (ctx.cgroups && rec.cgroupsPath) {
    // Detached exec processes live in the same cgroup; a stopped init leaves them orphaned.
    mark("del: hooks");
    const left = await ctx.cgroups.pids(rec.cgroupsPath).catch(() => []);
    if (left.length) await ctx.cgroups.killAll(rec.cgroupsPath, 9);
    mark("del: pids");
    await destroyContainerCgroup(ctx.cgroups, rec.cgroupsPath, { keepParent: ctx.keepCgroupParent });
    mark("del: cgroup destroyed");
  }
  if (ctx.stateDeletes) removeStateDirLater(ctx, dir);
  else await removeStateDir(dir);
  mark("del: state dir removed");
  return { warnings };
}

/**
 * Renames the state directory to a unique `.rm-` name in the root (listIds skips dot names;
 * the owner's sweep deletes a crash's leftovers) and leaves its files to the background
 * deletes: one rename (~10 µs, synchronous like the record's writes) instead of two
 * thread-pool round trips on the way to the container's removal. Unique, since the same id
 * may be deleted again while an earlier removal still runs (a restarting container).
 */
function removeStateDirLater(ctx: RuntimeContext, dir: string): void {
  const doomed = join(dirname(dir), `.rm-${basename(dir)}.${randomBytes(4).toString("hex")}`);
  try {
    renameSync(dir, doomed);
  } catch (e) {
    if (gone(e)) return;
    throw e;
  }
  ctx.stateDeletes!.start(doomed);
}

const gone = (e: unknown) => (e as NodeJS.ErrnoException).code === "ENOENT";

/**
 * Removes a state directory off the event loop, in two thread-pool round trips: all its entries
 * in parallel, then the directory. Not rmSync: an unlink on ext4 waits for the journal when it
 * is busy (several ms each under load), which blocked the daemon's event loop for 44 % of a
 * mass removal (bench/README.md, density); not the async recursive rm either: it makes one
 * round trip per lstat/unlink in sequence (~2.5 ms for a handful of files).
 */
async function removeStateDir(dir: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (gone(e)) return;
    throw e;
  }
  await Promise.all(entries.map((d) => {
    const path = join(dir, d.name);
    return d.isDirectory() ? rm(path, { recursive: true, force: true }) : unlink(path).catch((e) => { if (!gone(e)) throw e; });
  }));
  await rmdir(dir).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code === "ENOTEMPTY") return rm(dir, { recursive: true, force: true });
    if (!gone(e)) throw e;
  });
}
