import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { parseShimReply } from "../../../runtime/shimReply.js";
import { fifoStdio } from "./fifoStdio.js";
import type { ProcessExit } from "../../../sys/Sys.js";

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
  child: ChildProcess;
}

/**
 * Starts `berth-shim exec` (native/README.md). Attached (foreground, `--stdio inherit`): the
 * process gets our FIFOs as stdin/stdout/stderr (fifoStdio.ts), or with a terminal the shim copies between
 * its own stdin/stdout and the pty it holds (and serves `resize`); it exits with the process's
 * status. Detached (`--detach --stdio pipes`): it daemonizes, holds the process's output (no
 * log: Docker drops a detached exec's output) and supervises in the background.
 * Resolves once the shim reported `ok` (the program runs) with the host pids, or rejects with
 * the shim's error (stage `exec` for a program that could not be executed).
 */
export async function spawnExecShim(req: SpawnExecRequest): Promise<{ pid: number; shimPid: number; attached?: AttachedExecShim }> {
  const args = ["exec", "--state-dir", req.stateDir, "--plan", req.planFile, "--target-pid", String(req.targetPid), "--sync-fd", "3"];
  args.push(...(req.detach ? ["--detach", "--stdio", "pipes"] : ["--stdio", "inherit"]));
  const fifos = req.detach ? null : await fifoStdio(req.stateDir);
  let child: ChildProcess;
  try {
    child = spawn(req.shimPath, args, { stdio: fifos ? [...fifos.childFds, "pipe"] : ["ignore", "ignore", "ignore", "pipe"] });
  } catch (e) {
    fifos?.destroy();
    throw e;
  }
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("error", () => resolve({ code: null, signal: null }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  } catch (e) {
    fifos?.destroy();
    throw e;
  } finally {
    // The process has its own copies now: only it may hold the far ends (EOF must work).
    fifos?.closeChildFds();
  }
  const line = await firstLine(child.stdio[3] as Readable);
  const reply = parseShimReply(line, req.action);
  if (!reply.ok) {
    fifos?.destroy();
    await exited;
    throw reply.error;
  }
  const pid = Number(reply.fields[0]);
  const shimPid = Number(reply.fields[1]);
  if (req.detach) {
    await exited; // the foreground half exits once the daemon reported
    return { pid, shimPid };
  }
  return { pid, shimPid, attached: { pid, stdin: fifos!.stdin, stdout: fifos!.stdout, stderr: fifos!.stderr, exited, child } };
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
