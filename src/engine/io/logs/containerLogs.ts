import { access } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument } from "../../../errors/EngineError.js";
import { LogBatchEncoder } from "./logBatchEncoder.js";
import type { LogStreamId } from "./criChunkParser.js";
import { LogMessageAssembler, type LogSink } from "./logMessages.js";
import { scanLog, type ScanStep } from "./logScanner.js";
import { parseLogTimeBound } from "./logTime.js";

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

/** Collects the selected messages as output pieces, prefixed as Docker shapes them. */
class PieceSink implements LogSink {
  readonly pieces: OutputPiece[] = [];
  constructor(private readonly req: ContainerLogsRequest) {}

  message(stream: LogStreamId, data: Buffer, start: number, end: number, ts: Buffer, tsStart: number, tsEnd: number): void {
    const parts = [data.subarray(start, end)];
    if (this.req.details) parts.unshift(SPACE);
    if (this.req.timestamps) parts.unshift(ts.subarray(tsStart, tsEnd), SPACE);
    // A copy (concat copies even one part): the scanner reuses its buffers.
    this.pieces.push({ stream: stream === 1 ? "stdout" : "stderr", data: Buffer.concat(parts) });
  }
}

const SPACE = Buffer.from(" ");

/**
 * A container's logs as output pieces, shaped as Docker sends them: the selected streams,
 * `timestamps` as an RFC3339Nano prefix per message, `details` as the (empty) attribute
 * prefix Docker writes (a single space: berth has no log attributes).
 */
export async function* containerLogs(src: LogSource, req: ContainerLogsRequest, signal?: AbortSignal): AsyncGenerator<OutputPiece> {
  const sink = new PieceSink(req);
  for await (const _ of scanContainerLog(src, req, sink, signal)) {
    if (sink.pieces.length > 0) yield* sink.pieces.splice(0);
  }
  yield* sink.pieces.splice(0);
}

/** The scan behind both forms: the request's tail, bounds and streams applied, messages into `sink`. */
function scanContainerLog(src: LogSource, req: ContainerLogsRequest, sink: LogSink, signal?: AbortSignal): AsyncGenerator<ScanStep, void> {
  const tail = parseTail(req.tail);
  const sinceNs = parseLogTimeBound(req.since, "since");
  const untilNs = parseLogTimeBound(req.until, "until");
  const asm = new LogMessageAssembler(sink, { sinceNs, untilNs, stdout: req.stdout, stderr: req.stderr });
  return scanLog({
    path: src.logPath, tail, follow: req.follow, signal,
    finished: src.finished ?? (() => outputFinished(src.runtimeDir)), watchDirs: [src.runtimeDir],
  }, asm);
}

/**
 * The same output as containerLogs, already in wire form and batched: Docker's multiplexed
 * frames (one per message) when `framed`, raw bytes for a TTY container, in buffers of ~64 KiB
 * — what the daemon writes onto a response. Parsing goes straight from the file's chunks to
 * the batch; a record's time is read only for since/until, its text copied only for timestamps.
 */
export async function* containerLogBatches(src: LogSource, req: ContainerLogsRequest, framed: boolean, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const enc = new LogBatchEncoder({ framed, timestamps: req.timestamps, details: req.details });
  for await (const step of scanContainerLog(src, req, enc, signal)) {
    // While following, an idle log hands out the partial batch: a follower sees output at once.
    for (const b of enc.take(step === "idle")) yield b;
  }
  for (const b of enc.take(true)) yield b;
}
