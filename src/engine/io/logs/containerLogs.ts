import { access } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument } from "../../../errors/EngineError.js";
import { LogBatchEncoder } from "./logBatchEncoder.js";
import { LogMessageAssembler } from "./logMessages.js";
import { scanLog } from "./logScanner.js";
import { parseLogTimeBound } from "./logTime.js";
import { readLogEntries } from "./readLogEntries.js";

/** What `GET /containers/{id}/logs` asks for (the API's LogsOptions, repeated here: the engine does not import api code). */
export interface ContainerLogsRequest {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  since?: string;
  until?: string;
  timestamps: boolean;
  /** "all" or a line count. */
  tail: string;
  details: boolean;
}

export interface OutputPiece { stream: "stdout" | "stderr"; data: Buffer }

export interface LogSource {
  logPath: string;
  /** The container's runtime state directory: its `exit` record ends a follow. */
  runtimeDir: string;
  /** Overrides when a follow ends (default: outputFinished(runtimeDir)). */
  finished?: () => Promise<boolean>;
}

/** Docker's tail parameter: "all", "" or a negative number = everything; else a count. */
export function parseTail(tail: string): number | undefined {
  const t = tail.trim();
  if (t === "" || t === "all") return undefined;
  if (!/^-?\d+$/.test(t)) throw invalidArgument(`logs: invalid value for "tail": ${JSON.stringify(tail)} (a number or "all")`);
  const n = Number(t);
  return n < 0 ? undefined : n;
}

/**
 * True once the container's output is complete: the shim wrote its exit record (it closes the
 * log first), or there is no runtime state at all (never started, or deleted).
 */
export async function outputFinished(runtimeDir: string): Promise<boolean> {
  const exists = (p: string) => access(p).then(() => true, () => false);
  if (await exists(join(runtimeDir, "exit"))) return true;
  return !(await exists(join(runtimeDir, "ctl.sock")));
}

/**
 * A container's logs as output pieces, shaped as Docker sends them: the selected streams,
 * `timestamps` as an RFC3339Nano prefix per message, `details` as the (empty) attribute
 * prefix Docker writes (a single space: berth has no log attributes).
 */
export async function* containerLogs(src: LogSource, req: ContainerLogsRequest, signal?: AbortSignal): AsyncGenerator<OutputPiece> {
  const tail = parseTail(req.tail);
  const sinceNs = parseLogTimeBound(req.since, "since");
  const untilNs = parseLogTimeBound(req.until, "until");
  const entries = readLogEntries({
    path: src.logPath, tail, sinceNs, untilNs, follow: req.follow, signal,
    finished: src.finished ?? (() => outputFinished(src.runtimeDir)), watchDirs: [src.runtimeDir],
  });
  for await (const e of entries) {
    if (e.stream === "stdout" ? !req.stdout : !req.stderr) continue;
    let data = e.data;
    if (req.details) data = Buffer.concat([Buffer.from(" "), data]);
    if (req.timestamps) data = Buffer.concat([Buffer.from(`${e.timestamp} `), data]);
    yield { stream: e.stream, data };
  }
}

/**
 * The same output as containerLogs, already in wire form and batched: Docker's multiplexed
 * frames (one per message) when `framed`, raw bytes for a TTY container, in buffers of ~64 KiB
 * — what the daemon writes onto a response. Parsing goes straight from the file's chunks to
 * the batch; a record's time is read only for since/until, its text copied only for timestamps.
 */
export async function* containerLogBatches(src: LogSource, req: ContainerLogsRequest, framed: boolean, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const tail = parseTail(req.tail);
  const sinceNs = parseLogTimeBound(req.since, "since");
  const untilNs = parseLogTimeBound(req.until, "until");
  const enc = new LogBatchEncoder({ framed, timestamps: req.timestamps, details: req.details });
  const asm = new LogMessageAssembler(enc, { sinceNs, untilNs, stdout: req.stdout, stderr: req.stderr });
  const steps = scanLog({
    path: src.logPath, tail, follow: req.follow, signal,
    finished: src.finished ?? (() => outputFinished(src.runtimeDir)), watchDirs: [src.runtimeDir],
  }, asm);
  for await (const step of steps) {
    // While following, an idle log hands out the partial batch: a follower sees output at once.
    for (const b of enc.take(step === "idle")) yield b;
  }
  for (const b of enc.take(true)) yield b;
}
