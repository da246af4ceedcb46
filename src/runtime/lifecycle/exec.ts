import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import type { Process } from "../../oci/runtime.js";
import type { ShimStdio } from "../../sys/Sys.js";
import { conflict, invalidArgument } from "../../errors/EngineError.js";
import { validateId } from "../../util/ids.js";
import { atomicWrite } from "../../util/atomicWrite.js";
import { validateProcess } from "../../oci/validate.js";
import { containerDir, type ContainerRecord } from "../containerStore.js";
import { processLines } from "../planProcess.js";
import { planText, type PlanLine } from "../planLines.js";
import { parseShimReply } from "../shimReply.js";
import { canExec } from "../state.js";
import { loadContainer } from "../status.js";
import { exitStatusCode, readExitRecord, type ExitRecord } from "../exitRecord.js";
import { Rollback } from "../../util/rollback.js";
import type { ShimLogOptions } from "./create.js";
import type { RuntimeContext } from "../RuntimeContext.js";

export interface ExecOptions {
  /** A whole process (runc `exec --process FILE`); otherwise built from `args` and the overrides over the container's own process. */
  process?: Process;
  args?: string[];
  cwd?: string;
  /** Extra KEY=VALUE entries, added after (so overriding) the container's env. */
  env?: string[];
  user?: { uid: number; gid: number };
  additionalGids?: number[];
  terminal?: boolean;
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  stdio?: ShimStdio;
  /** The shim holds the process's stdio and writes this log (attach through `<stateDir>/ctl.sock`). */
  log?: ShimLogOptions;
  /** With `log`: a stdin pipe fed by attach clients (docker exec -i). */
  stdin?: { open: boolean; once?: boolean };
  /** Called with the process's host pid once it runs (the CLI forwards signals to it). */
  onStarted?: (pid: number) => void;
}

export interface ExecResult {
  pid: number;
  /** The exec's own directory (plan, ctl.sock, exit); removed after a foreground exec. */
  stateDir: string;
  /** Detached: the exec's shim and its start time (for waitForExit on stateDir). */
  shimPid?: number;
  shimStartTime?: string;
  /** Foreground only: how the process ended, and its shell-style code (128+signal). */
  exit?: ExitRecord | null;
  exitCode?: number;
}

/** The process an exec runs: explicit, or the container's process with args and overrides (runc's rules). */
export function execProcess(rec: ContainerRecord, opts: ExecOptions): Process {
  if (opts.process) return validateProcess(opts.process, "exec process");
  if (!opts.args || opts.args.length === 0) throw invalidArgument("exec: no command given (args or a process file)");
  const base: Process = rec.process ?? { user: { uid: 0, gid: 0 }, cwd: "/" };
  const p: Process = {
    ...base,
    args: [...opts.args],
    env: [...(base.env ?? []), ...(opts.env ?? [])],
    cwd: opts.cwd ?? base.cwd,
    terminal: opts.terminal ?? false,
    user: opts.user ? { ...base.user, uid: opts.user.uid, gid: opts.user.gid } : { ...base.user },
  };
  if (opts.additionalGids) p.user.additionalGids = opts.additionalGids;
  delete p.consoleSize;
  return validateProcess(p, "exec process");
}

/** Plan for `berth-shim exec`: join the container's namespaces and cgroup, then the process part. */
export function execPlan(rec: ContainerRecord, p: Process): PlanLine[] {
  const lines: PlanLine[] = [["version", 1], ["id", rec.id]];
  const order = ["user", "pid", "net", "ipc", "uts", "mnt", "cgroup", "time"];
  for (const name of order) if (rec.namespaces.includes(name)) lines.push(["ns", name, `/proc/${rec.pid}/ns/${name}`]);
  for (const f of rec.procsFiles) lines.push(["cgroup_procs", f]);
  lines.push(...processLines(p, { seccompPath: rec.seccompPath, seccompFlags: rec.seccompFlags }));
  return lines;
}

/**
 * `exec`: run another process in a created or running container through `berth-shim exec`.
 * Foreground: waits and returns its exit; detached: returns once it started. Each exec has its
 * own directory under the container's (exec/<random>/) for its plan and exit record.
 */
export async function execInContainer(ctx: RuntimeContext, idArg: string, opts: ExecOptions): Promise<ExecResult> {
  const id = validateId(idArg);
  const v = await loadContainer(ctx, id);
  if (!canExec(v.status)) throw conflict(`exec ${id}: cannot exec in a container that is ${v.status}`);
  const proc = execProcess(v.record, opts);
  // A foreground exec may use the shim's own stdio for the pty; a detached one cannot.
  if (opts.stdin?.open && !opts.log) throw invalidArgument("exec: an open stdin needs the shim to hold stdio (a log)");
  if (proc.terminal && !opts.consoleSocket && opts.detach && !opts.log) throw invalidArgument("exec: a detached exec with a terminal needs a --console-socket");
  if (!proc.terminal && opts.consoleSocket) throw invalidArgument("exec: --console-socket given without a terminal (-t)");
  const plan = execPlan(v.record, proc);
  if (opts.stdin?.open) plan.push(["stdin", 1], ["stdin_once", opts.stdin.once ? 1 : 0]);
  const dir = join(containerDir(ctx.root, id), "exec", randomBytes(6).toString("hex"));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const rb = new Rollback();
  rb.add(`remove exec directory ${dir}`, () => rm(dir, { recursive: true, force: true }));
  try {
    const planFile = join(dir, "plan");
    await writeFile(planFile, planText(plan), { mode: 0o600 });
    const args = ["exec", "--state-dir", dir, "--plan", planFile, "--target-pid", String(v.record.pid), "--sync-fd", "3"];
    if (opts.log) args.push("--stdio", "pipes", "--log", opts.log.path, "--log-max-size", String(opts.log.maxSize), "--log-max-files", String(opts.log.maxFiles));
    else args.push("--stdio", "inherit");
    if (opts.detach) args.push("--detach");
    if (opts.consoleSocket) args.push("--console-socket", resolve(opts.consoleSocket));
    // A foreground exec shim forwards signals too: keep it out of the caller's process group so a
    // Ctrl-C is delivered once (by the caller's forwarding), not twice. With `log` (the engine:
    // the shim holds the stdio, no terminal of ours is involved) that cannot happen, and the
    // launcher's children are outside our process group anyway: the spawn may then go through
    // the launcher, which forks cheaply and keeps the cgroup.procs write from waiting (~10 ms).
    const spawned = await ctx.sys.spawnShim({ shimPath: ctx.shimPath, args, stdio: opts.log ? "ignore" : (opts.stdio ?? "inherit"), newSession: !opts.detach && !opts.log });
    const reply = parseShimReply(spawned.syncLine, `exec ${id}`);
    if (!reply.ok) {
      await spawned.exited.catch(() => {});
      throw reply.error;
    }
    const pid = Number(reply.fields[0]);
    opts.onStarted?.(pid);
    if (opts.pidFile) await atomicWrite(resolve(opts.pidFile), String(pid), { durable: false });
    if (opts.detach) {
      await spawned.exited.catch(() => {});
      const shimPid = Number(reply.fields[1]) || undefined;
      const shimStartTime = shimPid ? (await ctx.sys.procStat(shimPid))?.startTime : undefined;
      rb.commit();
      return { pid, stateDir: dir, shimPid, shimStartTime };
    }
    const shimExit = await spawned.exited;
    const exit = await readExitRecord(dir);
    rb.commit();
    await rm(dir, { recursive: true, force: true });
    const exitCode = exit ? exitStatusCode(exit) : shimExit.code ?? 255;
    return { pid, stateDir: dir, exit, exitCode };
  } catch (e) {
    return rb.run(e, `exec ${id}`);
  }
}
