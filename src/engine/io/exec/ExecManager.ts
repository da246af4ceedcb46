import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ExecConfig, ExecInspect } from "../../../api/types/exec.js";
import { conflict, EngineError, notFound } from "../../../errors/EngineError.js";
import { execPlan } from "../../../runtime/lifecycle/exec.js";
import { planText } from "../../../runtime/planLines.js";
import type { RuntimeContext } from "../../../runtime/RuntimeContext.js";
import { loadContainer } from "../../../runtime/status.js";
import { ctlRequest } from "../../../runtime/ctlSocket.js";
import { exitStatusCode, readExitRecord } from "../../../runtime/exitRecord.js";
import { isAlive } from "../../../sys/procStat.js";
import type { ContainerLookup, ContainerRecord } from "../../containers/ContainerRecord.js";
import { ExitMonitor } from "../../containers/ExitMonitor.js";
import type { ClientStreams } from "../attach/attachSession.js";
import { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from "../attach/detachKeys.js";
import type { ExecRecord } from "./ExecRecord.js";
import { execProcess } from "./execProcess.js";
import { spawnExecShim } from "./spawnExecShim.js";
import { pumpAttachedExec } from "./pumpAttachedExec.js";
import { writeOut } from "../attach/streamCopy.js";
import { mark } from "../../containers/timing.js";

export interface ExecManagerOptions {
  lookup: ContainerLookup;
  runtime: RuntimeContext;
  /** Where exec shims keep their state (short: ctl.sock paths must fit sun_path). Default <runtime root>/.exec. */
  stateRoot?: string;
  /** Detach keys of the daemon (default ctrl-p,ctrl-q). */
  defaultDetachKeys?: string;
  /**
   * Docker's container events of an exec: `exec_create: <cmd>`, `exec_start: <cmd>`,
   * `exec_die` (attributes execID, exitCode). The daemon wires its event bus here.
   */
  emit?: (container: ContainerRecord, action: string, attributes: Record<string, string>) => void;
  /**
   * Waits for detached execs' exits (an idle connection to each exec shim's ctl.sock, closed at
   * its exit). Default: one of the manager's own, closed by close().
   */
  exits?: ExitMonitor;
}

/** The exit monitor's key of an exec (a shared monitor also watches containers by their ids). */
const exitKey = (execId: string) => `exec:${execId}`;

/** How long an ended exec stays inspectable (Docker keeps them until the container goes; we also age them out). */
const KEEP_ENDED_MS = 10 * 60_000;

/**
 * Exec instances (docker exec): created against a running container, started once, attached
 * through our pipes or detached under a daemonized shim; the exit code is recorded before an
 * attached start returns, so a client inspecting afterwards (the docker CLI) sees it.
 */
export class ExecManager {
  private readonly execs = new Map<string, ExecRecord>();
  private readonly stateRoot: string;
  private staleSwept: Promise<void> | null = null;
  private readonly exits: ExitMonitor;
  private readonly ownsExits: boolean;

  constructor(private readonly opts: ExecManagerOptions) {
    this.stateRoot = opts.stateRoot ?? join(opts.runtime.root, ".exec");
    this.ownsExits = !opts.exits;
    this.exits = opts.exits ?? new ExitMonitor(opts.runtime.sys);
  }

  /**
   * Stops waiting for detached execs (daemon shutdown): they run on under their shims, and the
   * next daemon's sweep clears their state once they ended. Their records stay Running here.
   */
  close(): void {
    for (const e of this.execs.values()) if (e.running && e.stateDir) this.exits.cancel(exitKey(e.id));
    if (this.ownsExits) this.exits.close();
  }

  async create(containerIdOrName: string, config: ExecConfig): Promise<{ Id: string }> {
    mark("exec create: begin");
    const rec = this.opts.lookup.get(containerIdOrName);
    // The engine's state only, as moby's create: the runtime's own check (a record read and a
    // /proc look-up, ~0.15 ms) runs at start, where the process is about to be joined.
    requireRunningState(rec);
    if (config.DetachKeys) parseDetachKeys(config.DetachKeys);
    this.prune();
    await (this.staleSwept ??= this.sweepStale());
    const id = randomBytes(32).toString("hex");
    this.execs.set(id, {
      id, containerId: rec.id, config: { ...config, Cmd: [...config.Cmd] }, started: false, running: false, exitCode: null, pid: 0,
      consoleSize: config.ConsoleSize ?? undefined,
    });
    this.event(rec.id, `exec_create: ${config.Cmd.join(" ")}`, { execID: id });
    mark("exec create: end");
    return { Id: id };
  }

  get(execId: string): ExecRecord {
    const e = this.execs.get(execId);
    if (!e) throw notFound(`No such exec instance: ${execId}`);
    return e;
  }

  inspect(execId: string): ExecInspect {
    mark("exec inspect");
    const e = this.get(execId);
    const c = e.config;
    return {
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: c.DetachKeys ?? "",
      ExitCode: e.exitCode,
      ID: e.id,
      OpenStderr: c.AttachStderr === true,
      OpenStdin: c.AttachStdin === true,
      OpenStdout: c.AttachStdout === true,
      ProcessConfig: { arguments: c.Cmd.slice(1), entrypoint: c.Cmd[0] ?? "", privileged: c.Privileged === true, tty: c.Tty === true, user: c.User ?? "" },
      Running: e.running,
      Pid: e.pid,
    };
  }

  /** Exec ids of a container (container inspect's ExecIDs). */
  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /** Forgets a removed container's execs. */
  forgetContainer(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
  }

  async resize(execId: string, height: number, width: number): Promise<void> {
    mark("exec resize");
    const e = this.get(execId);
    if (!e.running || !e.stateDir) {
      // Not started yet: remember it for the start (the CLI may resize right after start).
      if (!e.started) e.consoleSize = [height, width];
      return;
    }
    if (e.config.Tty !== true) return; // no terminal: nothing to size (as Docker)
    const reply = await ctlRequest(e.stateDir, `resize\t${height}\t${width}`).catch(() => "ok");
    if (reply !== "ok" && e.running) throw new EngineError("Internal", `resize exec ${execId}: ${reply.split("\t").slice(3).join(" ")}`);
  }

  /** Detached start: returns once the process runs; the exit is recorded in the background. */
  async startDetached(execId: string): Promise<void> {
    const e = this.claim(execId);
    const c = this.opts.lookup.get(e.containerId);
    try {
      const prepared = await this.prepare(e, c, undefined);
      let started;
      try {
        started = await spawnExecShim({ shimPath: this.opts.runtime.shimPath, stateDir: prepared.dir, planFile: prepared.planFile, targetPid: prepared.targetPid, detach: true, action: `exec ${c.id}` });
      } catch (err) {
        await rm(prepared.dir, { recursive: true, force: true });
        throw err;
      }
      e.pid = started.pid;
      e.running = true;
      e.stateDir = prepared.dir;
      // The exit is noticed when the shim closes our idle ctl.sock connection (it writes `exit`
      // first): no timer or watch per exec. A shim already gone reads as gone at once.
      const shimStat = await this.opts.runtime.sys.procStat(started.shimPid);
      this.exits.watch(exitKey(e.id), { dir: prepared.dir, shimPid: started.shimPid, shimStartTime: shimStat?.startTime ?? "" }, (exit) => {
        void this.finish(e, exit ? exitStatusCode(exit) : 255);
      });
    } catch (err) {
      this.failed(e, err);
      throw err;
    }
  }

  /**
   * Attached start: opens the client's streams, runs the process with them, and resolves once
   * it exited (its code recorded) — or earlier on detach keys / client gone, the process then
   * running on with its exit still recorded.
   */
  async start(execId: string, consoleSize: [number, number] | undefined, open: (tty: boolean) => ClientStreams, signal: AbortSignal): Promise<void> {
    mark("exec start: begin");
    const e = this.claim(execId);
    const c = this.opts.lookup.get(e.containerId);
    let prepared: { dir: string; planFile: string; targetPid: number };
    try {
      prepared = await this.prepare(e, c, consoleSize);
    } catch (err) {
      this.failed(e, err);
      throw err;
    }
    mark("exec start: prepared");
    const tty = e.config.Tty === true;
    const client = open(tty);
    mark("exec start: hijacked");
    let started;
    try {
      started = await spawnExecShim({ shimPath: this.opts.runtime.shimPath, stateDir: prepared.dir, planFile: prepared.planFile, targetPid: prepared.targetPid, detach: false, action: `exec ${c.id}` });
    } catch (err) {
      await rm(prepared.dir, { recursive: true, force: true });
      this.failed(e, err);
      if (err instanceof EngineError && err.detail.stage === "exec") {
        // As moby: the message goes to the client's output and the exit code (126/127) is
        // recorded, so the CLI prints it and exits with that code after inspecting the exec.
        const msg = `OCI runtime exec failed: ${err.message.replace(/^exec [^:]+: exec: /, "")}\r\n`;
        if (client.stdout) await writeOut(client.stdout, Buffer.from(msg), signal);
        return;
      }
      throw err;
    }
    mark("exec start: shim ok");
    e.pid = started.pid;
    e.running = true;
    e.stateDir = prepared.dir;
    const shim = started.attached!;
    const keys = parseDetachKeys(e.config.DetachKeys || this.opts.defaultDetachKeys || DEFAULT_DETACH_KEYS);
    const wants = { stdin: e.config.AttachStdin === true, stdout: e.config.AttachStdout !== false, stderr: e.config.AttachStderr !== false };
    const done = pumpAttachedExec(shim, client, { tty, ...wants, scanner: new DetachScanner(keys) }, signal);
    // The exit is recorded whatever the client does; only then does an attached start return.
    const recorded = shim.exited.then(async (x) => {
      mark("exec start: shim exited");
      // Nobody reads the process's stdin any more: release our end even if the client never
      // half-closed (or detached).
      shim.stdin.destroy();
      const exit = await readExitRecord(prepared.dir).catch(() => null);
      mark("exec start: exit read");
      await this.finish(e, exit ? exitStatusCode(exit) : x.code ?? (x.signal ? 128 : 255));
      mark("exec start: recorded");
    });
    const end = await done;
    mark("exec start: output done");
    if (end === "exited") await recorded;
    mark("exec start: end");
  }

  private claim(execId: string): ExecRecord {
    const e = this.get(execId);
    if (e.running) throw conflict(`Error: Exec command ${execId} is already running`);
    if (e.started) throw conflict(`Error: Exec command ${execId} has already run`);
    e.started = true;
    this.event(e.containerId, `exec_start: ${e.config.Cmd.join(" ")}`, { execID: e.id });
    return e;
  }

  private event(containerId: string, action: string, attributes: Record<string, string>): void {
    if (!this.opts.emit) return;
    try {
      this.opts.emit(this.opts.lookup.get(containerId), action, attributes);
    } catch {
      /* the container is gone: no event to attach it to */
    }
  }

  private failed(e: ExecRecord, err: unknown): void {
    const stage = err instanceof EngineError ? err.detail.stage : undefined;
    const errno = err instanceof EngineError ? err.detail.errno : undefined;
    void this.finish(e, stage === "exec" ? (errno === 2 ? 127 : 126) : 126);
  }

  /**
   * Records the exit. The state directory is removed in the background (the thread pool's
   * unlinks, not awaited): an attached start answers, and the CLI's inspect is served, without
   * waiting for them (~0.3-0.6 ms awaited; ~0.1-0.3 ms of the event loop done synchronously).
   */
  private async finish(e: ExecRecord, code: number): Promise<void> {
    if (e.exitCode !== null) return;
    e.exitCode = code;
    e.running = false;
    e.endedAt = Date.now();
    this.event(e.containerId, "exec_die", { execID: e.id, exitCode: String(code) });
    const dir = e.stateDir;
    e.stateDir = undefined;
    if (dir) void rm(dir, { recursive: true, force: true }).catch(() => { /* swept at the next daemon start */ });
  }

  /**
   * Checks the container, builds the process and writes the plan in a fresh state directory.
   * The directory and the plan are made synchronously, on the path of every `docker exec`:
   * ~0.2 ms on ext4, where four thread-pool round trips took ~0.6 ms.
   */
  private async prepare(e: ExecRecord, c: ContainerRecord, consoleSize: [number, number] | undefined): Promise<{ dir: string; planFile: string; targetPid: number }> {
    const rt = await this.requireRunning(c);
    mark("exec prepare: running checked");
    const proc = await execProcess(rt.process, e.config, { rootfs: `/proc/${rt.pid}/root`, consoleSize: consoleSize ?? e.consoleSize });
    const plan = execPlan(rt, proc);
    mark("exec prepare: plan built");
    const dir = join(this.stateRoot, e.id.slice(0, 16));
    freshDir(this.stateRoot, dir);
    const planFile = join(dir, "plan");
    try {
      writeFileSync(planFile, planText(plan), { mode: 0o600 });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return { dir, planFile, targetPid: rt.pid };
  }

  /** The runtime's record of a running container; Conflict with Docker's words otherwise. */
  private async requireRunning(c: ContainerRecord) {
    requireRunningState(c);
    const dir = this.opts.lookup.runtimeDir(c.id);
    const v = await loadContainer({ ...this.opts.runtime, root: dirname(dir) }, basename(dir)).catch(() => null);
    if (!v || v.status !== "running") {
      if (v?.status === "paused") throw conflict(`Container ${c.id} is paused, unpause the container before exec`);
      throw conflict(`container ${c.id} is not running`);
    }
    return v.record;
  }

  /**
   * Exec state left by an earlier daemon (its execs are not in memory any more): directories
   * whose shim is gone are removed; a detached exec still running keeps its directory.
   */
  private async sweepStale(): Promise<void> {
    const names = await readdir(this.stateRoot).catch(() => [] as string[]);
    for (const n of names) {
      const dir = join(this.stateRoot, n);
      const pid = Number((await readFile(join(dir, "shim.pid"), "utf8").catch(() => "")).trim());
      const alive = pid > 0 && isAlive(await this.opts.runtime.sys.procStat(pid).catch(() => null));
      if (!alive) await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, e] of this.execs) if (e.endedAt !== undefined && now - e.endedAt > KEEP_ENDED_MS) this.execs.delete(id);
  }
}

/** Conflict with Docker's words unless the engine has the container running. */
function requireRunningState(c: ContainerRecord): void {
  if (c.state.status === "paused") throw conflict(`Container ${c.id} is paused, unpause the container before exec`);
  if (c.state.status === "restarting") throw conflict(`Container ${c.id} is restarting, wait until the container is running`);
  if (c.state.status !== "running") throw conflict(`container ${c.id} is not running`);
}

/** An empty directory at `dir` under `root` (made if missing), left over state replaced. */
function freshDir(root: string, dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") mkdirSync(root, { recursive: true, mode: 0o700 });
    else if (code === "EEXIST") rmSync(dir, { recursive: true, force: true });
    else throw err;
  }
  mkdirSync(dir, { mode: 0o700 });
}
