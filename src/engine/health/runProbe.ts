import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { EngineError } from "../../errors/EngineError.js";
import { readRecord } from "../../runtime/containerStore.js";
import { execPlan } from "../../runtime/lifecycle/exec.js";
import { planText } from "../../runtime/planLines.js";
import type { RuntimeContext } from "../../runtime/RuntimeContext.js";
import { execProcess } from "../io/exec/execProcess.js";
import { spawnExecShim, type AttachedExecShim } from "../io/exec/spawnExecShim.js";
import { goDuration } from "./healthConfig.js";

/** Docker keeps at most this much of a probe's output (moby maxOutputLen). */
export const MAX_OUTPUT = 4096;

export interface ProbeResult {
  /** 0 healthy; anything else a failure; -1 when the probe could not run or timed out. */
  exitCode: number;
  output: string;
  startMs: number;
  endMs: number;
}

export interface ProbeRequest {
  runtime: RuntimeContext;
  containerId: string;
  cmd: string[];
  timeoutMs: number;
  /** Where the probe's shim keeps its state (short: ctl.sock must fit sun_path). */
  stateRoot: string;
  /** Called before the probe starts, once it runs, and when it ended (exec_create / exec_start / exec_die events). */
  onCreate?: (execId: string) => void;
  onStart?: (execId: string) => void;
  onEnd?: (execId: string, exitCode: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs one health probe in the container as an exec does (`berth-shim exec` in the foreground
 * joining the container's namespaces and cgroup, with the container's process as template),
 * stdout and stderr captured together up to 4 KiB. A probe that outlives its timeout is killed
 * (SIGKILL) and reported as exit -1 with Docker's message; a probe that cannot start (program
 * missing) is exit -1 with the error. The probe's state directory is always removed.
 */
export async function runProbe(req: ProbeRequest): Promise<ProbeResult> {
  const startMs = Date.now();
  const execId = randomBytes(32).toString("hex");
  const dir = join(req.stateRoot, execId.slice(0, 16));
  let shim: AttachedExecShim | undefined;
  req.onCreate?.(execId);
  try {
    const rt = await readRecord(req.runtime.root, req.containerId);
    const proc = await execProcess(rt.process, { Cmd: req.cmd }, { rootfs: `/proc/${rt.pid}/root` });
    await mkdir(req.stateRoot, { recursive: true, mode: 0o700 });
    await mkdir(dir, { mode: 0o700 });
    const planFile = join(dir, "plan");
    await writeFile(planFile, planText(execPlan(rt, proc)), { mode: 0o600 });
    const started = await spawnExecShim({ shimPath: req.runtime.shimPath, stateDir: dir, planFile, targetPid: rt.pid, detach: false, action: `health check of ${req.containerId}` });
    shim = started.attached!;
    req.onStart?.(execId);
    shim.stdin.destroy();
    const out = new BoundedOutput(MAX_OUTPUT);
    const drained = Promise.all([out.collect(shim.stdout), out.collect(shim.stderr)]);
    let timedOut = false;
    const kill = () => {
      try {
        process.kill(started.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, req.timeoutMs);
    req.signal?.addEventListener("abort", kill, { once: true });
    const x = await shim.exited;
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", kill);
    // A process the probe left behind may hold the pipes: do not wait for them past the exit.
    await Promise.race([drained, new Promise((r) => setTimeout(r, 100).unref())]);
    shim.stdout.destroy();
    shim.stderr.destroy();
    const code = timedOut ? -1 : x.code ?? (x.signal ? 128 : -1);
    req.onEnd?.(execId, code);
    const output = timedOut ? `Health check exceeded timeout (${goDuration(req.timeoutMs)})` : out.text();
    return { exitCode: code, output, startMs, endMs: Date.now() };
  } catch (e) {
    const msg = e instanceof EngineError ? e.message.replace(/^exec [^:]+: exec: /, "") : (e as Error).message;
    return { exitCode: -1, output: msg, startMs, endMs: Date.now() };
  } finally {
    if (shim) {
      shim.kill();
      await shim.exited;
    }
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

/** The first `max` bytes of everything written to it, in arrival order; "..." marks a cut (as moby). */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  constructor(private readonly max: number) {}

  collect(r: Readable): Promise<void> {
    return new Promise((resolve) => {
      r.on("data", (d: Buffer) => this.add(d));
      r.once("end", resolve);
      r.once("close", resolve);
      r.once("error", () => resolve());
    });
  }

  add(d: Buffer): void {
    if (d.length > this.max - this.size) this.truncated = true;
    if (this.size >= this.max) return;
    const part = d.subarray(0, this.max - this.size);
    this.chunks.push(part);
    this.size += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8") + (this.truncated ? "..." : "");
  }
}
