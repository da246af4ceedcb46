import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { defaultCgroupPath, destroyContainerCgroup } from "../containerCgroup.js";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Resources, Spec } from "../../oci/runtime.js";
import type { ShimStdio } from "../../sys/Sys.js";
import { alreadyExists, conflict, internal, invalidArgument, wrapError } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { atomicWrite } from "../../util/atomicWrite.js";
import { planText } from "../planLines.js";
import { buildPlan } from "../plan.js";
import { NAMESPACE_PLAN_NAMES, namespaceSet } from "../namespaces.js";
import { deviceCgroupRules } from "../devices.js";
import type { CgroupPlanInfo } from "../cgroupMounts.js";
import { containerDir, ensureRoot, RECORD_FILE, writeRecord, type ContainerRecord } from "../containerStore.js";
import { readBundle } from "../readBundle.js";
import { Rollback } from "../../util/rollback.js";
import { parseShimReply } from "../shimReply.js";
import { waitForExit } from "../waitExit.js";
import { notImplemented } from "../errorsLocal.js";
import type { RuntimeContext } from "../RuntimeContext.js";
import { mark } from "../../util/timingMarks.js";

export interface ShimLogOptions {
  path: string;
  maxSize: number;
  maxFiles: number;
}

export interface CreateOptions {
  id: string;
  /** Bundle directory holding config.json. */
  bundle: string;
  pidFile?: string;
  /** Unix socket that receives the pty master (runc protocol); needs process.terminal. */
  consoleSocket?: string;
  /** The container's stdio when no log is kept: passed through the shim (default "inherit"). */
  stdio?: ShimStdio;
  /** Shim holds the container's stdio and writes this log instead of passing stdio through. */
  log?: ShimLogOptions;
  /** With `log` (pipes mode): the container gets a stdin pipe fed through `attach` (Docker -i / StdinOnce). */
  stdin?: { open: boolean; once?: boolean };
  /** runc's --no-pivot (MS_MOVE instead of pivot_root): not implemented by berth-shim. */
  noPivot?: boolean;
  /**
   * process.terminal without a console socket: the shim copies between the pty and its own
   * (inherited) stdio. Only for a caller that stays in the foreground (`run`); a detached
   * `create` needs a console socket, as with runc.
   */
  terminalOnStdio?: boolean;
}

export interface CreateResult {
  id: string;
  pid: number;
  shimPid: number;
  /** What the record holds about the shim and cgroup (start keeps it), so a caller need not read it back. */
  shimStartTime: string;
  /** The cgroup path given to the manager; "" without one. */
  cgroupsPath: string;
}

const PLAN_FILE = "plan";

/**
 * What a state directory holds before its shim runs, for an owner that makes them ahead
 * (RuntimeContext.premadeStateDirs): the plan and the record, both written into by create (an
 * empty record reads as none, see readRecord).
 */
export const STATE_DIR_LAYOUT = {
  mode: 0o700,
  dirs: [] as { name: string; mode: number }[],
  files: [
    { name: PLAN_FILE, content: "", mode: 0o600 },
    { name: RECORD_FILE, content: "", mode: 0o600 },
  ],
};

/** Bound on waiting for a killed container's shim during rollback. */
const ROLLBACK_WAIT_MS = 10_000;

/**
 * `create`: validate the bundle, make the cgroup, compile seccomp (cached), write the plan,
 * spawn the shim with a sync pipe and read its `ok`/`error`, record the container. The
 * container then waits for `start`. Any failure undoes everything made so far.
 */
export async function createContainer(ctx: RuntimeContext, opts: CreateOptions): Promise<CreateResult> {
  const id = validateId(opts.id);
  if (opts.noPivot) throw notImplemented("create: --no-pivot is not supported by berth (the shim always uses pivot_root)");
  mark("rt: begin");
  const { bundle, spec, rootfs } = await readBundle(opts.bundle);
  mark("rt: bundle read");
  checkTerminal(spec, opts);
  if (opts.stdin?.open && !opts.log) throw invalidArgument("create: an open stdin needs the shim to hold stdio (a log); with inherited stdio the container already has the caller's stdin");
  const cgroupsPath = cgroupPathOf(spec, id);
  const resources = cgroupResources(spec);
  if (!ctx.cgroups && spec.linux?.resources) throw invalidArgument("create: linux.resources: this runtime has no cgroup manager");
  if (!ctx.seccomp && spec.linux?.seccomp) throw invalidArgument("create: linux.seccomp: this runtime has no seccomp compiler");
  // Compiled before anything container-specific exists (a bad profile leaves nothing); cached.
  let seccompPath: string | undefined;
  let seccompFlags: number | undefined;
  if (spec.linux?.seccomp && ctx.seccomp) {
    seccompFlags = ctx.seccomp.filterFlags?.(spec.linux.seccomp);
    seccompPath = await ctx.seccomp.compile(spec.linux.seccomp, { cacheDir: ctx.seccomp.cacheDir, compiler: ctx.seccomp.compiler });
  }
  // The plan is built once, before anything exists, so every semantic error of the spec
  // surfaces here: with the cgroup's procs files the manager names in advance (what its
  // create returns; rebuilt after the create if that differs, or if it cannot name them).
  const cg = ctx.cgroups;
  const hierarchies = cg?.version === 1 && ctx.cgroupHierarchies ? await ctx.cgroupHierarchies() : [];
  const predictedProcs = cg?.procsFiles?.(cgroupsPath);
  const planCgroup: CgroupPlanInfo | undefined = cg ? { version: cg.version, procsFiles: predictedProcs ?? [], hierarchies } : undefined;
  const planOptions = { id, bundle, cgroup: planCgroup, seccompPath, seccompFlags, stdin: opts.stdin };
  let plan = buildPlan(spec, planOptions);
  mark("rt: plan, seccomp");
  await ensureRoot(ctx.root);
  const dir = containerDir(ctx.root, id);
  if (join(dir, "ctl.sock").length > 107) throw invalidArgument(`create: state directory ${dir} is too long for a unix socket path (use a shorter --root or id)`);
  // A directory made ahead is renamed into place, which would replace an empty directory of
  // that name (a create that died before writing anything): refused as mkdir refuses it.
  if (ctx.premadeStateDirs && existsSync(dir)) throw alreadyExists(`create: container ${id} already exists`);
  const premade = ctx.premadeStateDirs?.take(dir) ?? false;
  try {
    if (!premade) mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw alreadyExists(`create: container ${id} already exists`);
    throw e;
  }
  const rb = new Rollback();
  rb.add(`remove state directory ${dir}`, () => rm(dir, { recursive: true, force: true }));
  try {
    let procsFiles: string[] = [];
    if (cg && planCgroup) {
      // Never adopt a cgroup someone else made: rollback and delete kill everything in it.
      if (await cg.exists(cgroupsPath)) throw conflict(`create ${id}: cgroup ${cgroupsPath} already exists (another container's, or left over: remove it first)`);
      const removeCgroup = async () => {
        await cg.killAll(cgroupsPath, 9).catch(() => {});
        await destroyContainerCgroup(cg, cgroupsPath, { keepParent: ctx.keepCgroupParent });
      };
      const premadeProcs = ctx.premadeCgroups && cg.procsFiles?.(cgroupsPath);
      let made: { procsFiles: string[] };
      if (premadeProcs && (await ctx.premadeCgroups!.take(cgroupsPath))) {
        // A cgroup made ahead, renamed into place: only the limits are written.
        rb.add(`remove cgroup ${cgroupsPath}`, removeCgroup);
        if (Object.values(resources).some((v) => v !== undefined)) {
          await cg.update(cgroupsPath, resources).catch((e: unknown) => {
            throw wrapError(e, `create ${id}: cgroup ${cgroupsPath} (linux.resources)`);
          });
        }
        made = { procsFiles: premadeProcs };
      } else {
        made = await cg.create(cgroupsPath, resources).catch((e: unknown) => {
          throw wrapError(e, `create ${id}: cgroup ${cgroupsPath} (linux.resources)`);
        });
        rb.add(`remove cgroup ${cgroupsPath}`, removeCgroup);
      }
      mark("rt: cgroup created");
      procsFiles = made.procsFiles;
      if (!sameList(procsFiles, planCgroup.procsFiles)) plan = buildPlan(spec, { ...planOptions, cgroup: { ...planCgroup, procsFiles } });
    }
    const planFile = join(dir, PLAN_FILE);
    // Small state files of the hot path are written synchronously (see containerStore.ts).
    writeFileSync(planFile, planText(plan), { mode: 0o600 });

    const rec: ContainerRecord = {
      id,
      ociVersion: spec.ociVersion,
      bundle,
      rootfs,
      pid: 0,
      pidStartTime: "",
      shimPid: 0,
      shimStartTime: "",
      cgroupsPath: ctx.cgroups ? cgroupsPath : "",
      started: false,
      created: new Date().toISOString(),
      annotations: spec.annotations,
      poststart: spec.hooks?.poststart,
      poststop: spec.hooks?.poststop,
      seccompPath,
      seccompFlags,
      namespaces: [...namespaceSet(spec.linux?.namespaces).byType.keys()].map((t) => NAMESPACE_PLAN_NAMES[t]),
      procsFiles,
      process: spec.process,
    };
    // Into the empty record made ahead (in place), else a new file.
    await writeRecord(ctx.root, rec, { fresh: !premade });
    mark("rt: plan, record written");

    const args = ["create", "--state-dir", dir, "--plan", planFile, "--sync-fd", "3"];
    if (opts.log) args.push("--stdio", "pipes", "--log", opts.log.path, "--log-max-size", String(opts.log.maxSize), "--log-max-files", String(opts.log.maxFiles));
    else args.push("--stdio", "inherit");
    if (opts.consoleSocket) args.push("--console-socket", resolve(opts.consoleSocket));
    const spawned = await ctx.sys.spawnShim({ shimPath: ctx.shimPath, args, stdio: opts.log ? "ignore" : (opts.stdio ?? "inherit") });
    mark("rt: shim replied");
    const reply = parseShimReply(spawned.syncLine, `create ${id}`);
    if (!reply.ok) {
      await spawned.exited.catch(() => {});
      throw reply.error;
    }
    const [pidText, shimPidText] = reply.fields;
    rec.pid = Number(pidText);
    rec.shimPid = Number(shimPidText);
    if (!(rec.pid > 0) || !(rec.shimPid > 0)) throw internal(`create ${id}: shim reported bad pids ${JSON.stringify(reply.fields)}`);
    const [cst, sst] = await Promise.all([ctx.sys.procStat(rec.pid), ctx.sys.procStat(rec.shimPid)]);
    rec.pidStartTime = cst?.startTime ?? "";
    rec.shimStartTime = sst?.startTime ?? "";
    rb.add(`kill container ${id} (pid ${rec.pid})`, async () => {
      try {
        ctx.sys.kill(rec.pid, 9);
      } catch {
        /* already gone */
      }
      await waitForExit(ctx.sys, { dir, shimPid: rec.shimPid, shimStartTime: rec.shimStartTime }, { timeoutMs: ROLLBACK_WAIT_MS });
    });
    await writeRecord(ctx.root, rec);
    mark("rt: record 2");
    if (opts.pidFile) await atomicWrite(resolve(opts.pidFile), String(rec.pid), { durable: false });
    await spawned.exited.catch(() => {});
    mark("rt: shim exited");
    rb.commit();
    return { id, pid: rec.pid, shimPid: rec.shimPid, shimStartTime: rec.shimStartTime, cgroupsPath: rec.cgroupsPath };
  } catch (e) {
    return rb.run(e, `create ${id}`);
  }
}

export function cgroupPathOf(spec: Spec, id: string): string {
  const p = spec.linux?.cgroupsPath || defaultCgroupPath(id);
  if (p.split("/").includes("..")) throw invalidArgument(`create: linux.cgroupsPath: must not contain "..", got ${JSON.stringify(p)}`);
  return p;
}

/** The resources to apply, with the default device rules always appended (runc). */
function cgroupResources(spec: Spec): Resources {
  const r = spec.linux?.resources;
  return { ...(r ?? {}), devices: deviceCgroupRules(r?.devices, spec.linux?.devices) };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkTerminal(spec: Spec, opts: CreateOptions): void {
  const terminal = spec.process?.terminal === true;
  if (opts.consoleSocket && !terminal) throw invalidArgument("create: --console-socket given but process.terminal is false");
  if (terminal && !opts.consoleSocket && !opts.log && !opts.terminalOnStdio) throw invalidArgument("create: process.terminal is true: a --console-socket is needed to receive the terminal (or set terminal to false)");
}
