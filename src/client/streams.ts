/**
 * Reading the daemon's streaming answers: multiplexed output (stdcopy frames), raw TTY output,
 * and JSON-lines (progress, stats, events).
 */
import type { Readable } from "node:stream";
import { EngineError } from "../errors/EngineError.js";
import { FRAME_HEADER_SIZE } from "../api/streams/stdcopy.js";
import type { JSONMessage } from "../api/types/progress.js";

export interface OutputChunk { stream: "stdout" | "stderr"; data: Buffer }

/**
 * Output chunks of a logs/attach/exec stream. Consecutive frames of one stream within a network
 * chunk come as one chunk (a log of 100k lines is ~70 chunks, not 100k: one generator step and
 * one write each), in the order the daemon sent them. A systemerr frame (the daemon failed
 * mid-stream) ends the iteration with an error after the output before it, as docker's stdcopy
 * does.
 */
export async function* readOutput(source: AsyncIterable<Buffer> | Readable, multiplexed: boolean): AsyncGenerator<OutputChunk> {
  if (!multiplexed) {
    for await (const data of source as AsyncIterable<Buffer>) yield { stream: "stdout", data };
    return;
  }
  const demux = new OutputDemuxer();
  for await (const chunk of source as AsyncIterable<Buffer>) {
    yield* demux.push(chunk);
    if (demux.error) throw demux.error;
  }
  demux.finish();
}

/**
 * Incremental demultiplexer of stdcopy frames (see src/api/streams/stdcopy.ts) into runs: the
 * payloads of consecutive frames of one stream joined into one buffer, a new run whenever the
 * stream changes, so the order between stdout and stderr is kept. Frames may be split anywhere
 * across pushes; a frame is released once whole.
 */
export class OutputDemuxer {
  /** Set by a systemerr frame: the runs before it were returned, nothing after it is read. */
  error: EngineError | undefined;
  private pending: Buffer[] = [];
  private pendingSize = 0;
  /** Bytes needed before the pending frame is whole (0: its header is not complete yet). */
  private need = 0;

  push(chunk: Buffer): OutputChunk[] {
    if (chunk.length === 0 || this.error) return [];
    this.pending.push(chunk);
    this.pendingSize += chunk.length;
    // A large frame arriving in many chunks is joined once, when it is complete.
    if (this.pendingSize < Math.max(this.need, FRAME_HEADER_SIZE)) return [];
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingSize);
    const runs: OutputChunk[] = [];
    // The current run as [start, end) offsets into buf: no Buffer object per frame.
    const ranges: number[] = [];
    let runBytes = 0;
    let runStream: OutputChunk["stream"] | undefined;
    const flush = () => {
      if (ranges.length === 2) runs.push({ stream: runStream!, data: buf.subarray(ranges[0], ranges[1]) });
      else if (ranges.length > 2) {
        const data = Buffer.allocUnsafe(runBytes);
        for (let i = 0, at = 0; i < ranges.length; i += 2) at += buf.copy(data, at, ranges[i], ranges[i + 1]);
        runs.push({ stream: runStream!, data });
      }
      ranges.length = 0;
      runBytes = 0;
    };
    let off = 0;
    this.need = 0;
    while (buf.length - off >= FRAME_HEADER_SIZE) {
      const id = buf[off]!;
      if (id > 3) throw new EngineError("Internal", `read output: unknown stream id ${id} in a multiplexed stream`);
      const start = off + FRAME_HEADER_SIZE;
      const end = start + buf.readUInt32BE(off + 4);
      if (end > buf.length) {
        this.need = end - off;
        break;
      }
      off = end;
      if (id === 3) {
        flush();
        this.error = new EngineError("Internal", `error from daemon in stream: ${buf.toString("utf8", start, end).trimEnd()}`);
        this.pending = [];
        this.pendingSize = 0;
        return runs;
      }
      if (id === 0 || end === start) continue; // stdin frames are never sent by a daemon; ignore like stdcopy
      const stream = id === 1 ? "stdout" : "stderr";
      if (stream !== runStream) {
        flush();
        runStream = stream;
      }
      ranges.push(start, end);
      runBytes += end - start;
    }
    flush();
    const rest = buf.subarray(off);
    this.pending = rest.length ? [rest] : [];
    this.pendingSize = rest.length;
    return runs;
  }

  /** Throws if the input stopped inside a frame. */
  finish(): void {
    if (this.pendingSize !== 0) throw new EngineError("Internal", `read output: stream ended inside a frame (${this.pendingSize} bytes left over)`);
  }
}

/** Newline-delimited JSON values (objects separated by \n or \r\n; blank lines skipped). */
export async function* readJsonLines<T>(source: AsyncIterable<Buffer> | Readable): AsyncGenerator<T> {
  let rest = "";
  for await (const chunk of source as AsyncIterable<Buffer>) {
    rest += chunk.toString("utf8");
    let nl: number;
    while ((nl = rest.indexOf("\n")) !== -1) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) yield parseLine<T>(line);
    }
  }
  const last = rest.trim();
  if (last) yield parseLine<T>(last);
}

function parseLine<T>(line: string): T {
  try {
    return JSON.parse(line) as T;
  } catch (e) {
    throw new EngineError("Internal", `read stream: daemon sent invalid JSON: ${(e as Error).message}`);
  }
}

/** Progress messages; an `errorDetail` message ends the stream with that error. */
export async function* readProgress(source: AsyncIterable<Buffer> | Readable): AsyncGenerator<JSONMessage> {
  for await (const msg of readJsonLines<JSONMessage>(source)) {
    if (msg.errorDetail || msg.error) {
      throw new EngineError("Internal", msg.errorDetail?.message ?? msg.error ?? "unknown error", { detail: { code: msg.errorDetail?.code } });
    }
    yield msg;
  }
}
