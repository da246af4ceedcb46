import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { parseShimReply } from "../../../runtime/shimReply.js";
import { fifoStdio, type FifoStdio } from "./fifoStdio.js";
import type { ProcessExit, ShimSpawnResult } from "../../../sys/Sys.js";
import { LauncherUnavailable, sharedShimLauncher, type ShimLauncher } from "../../../sys/shimLauncher.js";
import { mark } from "../../containers/timing.js";

export interface SpawnExecRequest {
  shimPath: string;
  stateDir: string;
  planFile: string;
  targetPid: number;
  /** Attached: the shim stays in the foreground with our pipes as the process's stdio (or the pty proxy). */
  detach: boolean;
  action: string;
}

export interface AttachedExecShim {
  pid: number;
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  exited: Promise<ProcessExit>;
  /** SIGKILLs the foreground shim if it has not exited yet (a caller giving up on it). */
  kill(): void;
}

/**
 * Starts `berth-shim exec` (native/README.md). Attached (foreground, `--stdio inherit`): the
 * process gets our FIFOs as stdin/stdout/stderr (fifoStdio.ts), or with a terminal the shim copies between
 * its own stdin/stdout and the pty it holds (and serves `resize`); it exits with the process's
 * status. Detached (`--detach --stdio pipes`): it daemonizes, holds the process's output (no
 * log: Docker drops a detached exec's output) and supervises in the background.
 * Resolves once the shim reported `ok` (the program runs) with the host pids, or rejects with
 * the shim's error (stage `exec` for a program that could not be executed).
 *
 * Through the shim launcher when it runs (it opens the FIFOs in its child): no fork of the
 * daemon, and the launcher keeps the shim's cgroup.procs write from waiting for an RCU grace
 * period (~10 ms). Otherwise Node spawns the shim with the FIFOs' fds.
 */
export async function spawnExecShim(req: SpawnExecRequest): Promise<{ pid: number; shimPid: number; attached?: AttachedExecShim }> {
  const args = ["exec", "--state-dir", req.stateDir, "--plan", req.planFile, "--target-pid", String(req.targetPid), "--sync-fd", "3"];
  args.push(...(req.detach ? ["--detach", "--stdio", "pipes"] : ["--stdio", "inherit"]));
  const launcher = sharedShimLauncher(req.shimPath);
  const fifos = req.detach ? null : await fifoStdio(req.stateDir, launcher);
  mark("exec spawn: fifos");
  let spawned: ShimSpawnResult;
  try {
    spawned = await spawnViaLauncher(launcher, req.shimPath, args, fifos).catch((e: unknown) => {
      if (!(e instanceof LauncherUnavailable)) throw e;
      return spawnDirect(req.shimPath, args, fifos);
    });
  } catch (e) {
    await fifos?.destroy();
    throw e;
  }
  mark("exec spawn: shim replied");
  const reply = parseShimReply(spawned.syncLine, req.action);
  if (!reply.ok) {
    await fifos?.destroy();
    await spawned.exited;
    throw reply.error;
  }
  // The process holds its stdio now: only it may hold the far ends (EOF must work).
  await fifos?.childStarted();
  const pid = Number(reply.fields[0]);
  const shimPid = Number(reply.fields[1]);
  if (req.detach) {
    await spawned.exited; // the foreground half exits once the daemon reported
    return { pid, shimPid };
  }
  let ended = false;
  void spawned.exited.then(() => (ended = true));
  const kill = () => {
    if (ended) return;
    try {
      process.kill(spawned.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  };
  return { pid, shimPid, attached: { pid, stdin: fifos!.stdin, stdout: fifos!.stdout, stderr: fifos!.stderr, exited: spawned.exited, kill } };
}

function spawnViaLauncher(launcher: ShimLauncher, shimPath: string, args: string[], fifos: FifoStdio | null): Promise<ShimSpawnResult> {
  return launcher.spawn(shimPath, args, fifos ? { paths: fifos.paths } : "ignore");
}

/** Node's own spawn (a fork of the daemon), the FIFOs passed as fds 0-2. */
async function spawnDirect(shimPath: string, args: string[], fifos: FifoStdio | null): Promise<ShimSpawnResult> {
  const child = spawn(shimPath, args, { stdio: fifos ? [...fifos.openChildFds(), "pipe"] : ["ignore", "ignore", "ignore", "pipe"] });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("error", () => resolve({ code: null, signal: null }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  const syncLine = await firstLine(child.stdio[3] as Readable);
  return { pid: child.pid!, syncLine, exited };
}

function firstLine(r: Readable): Promise<string> {
  return new Promise((resolve) => {
    let buf = "";
    const done = (line: string) => {
      r.off("data", onData);
      r.off("end", onEnd);
      r.off("error", onEnd);
      r.resume();
      resolve(line);
    };
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = () => done(buf);
    r.on("data", onData);
    r.once("end", onEnd);
    r.once("error", onEnd);
  });
}
