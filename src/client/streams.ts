/**
 * Reading the daemon's streaming answers: multiplexed output (stdcopy frames), raw TTY output,
 * and JSON-lines (progress, stats, events).
 */
import type { Readable } from "node:stream";
import { EngineError } from "../errors/EngineError.js";
import { FrameDecoder, type Frame } from "../api/streams/stdcopy.js";
import type { JSONMessage } from "../api/types/progress.js";

export interface OutputChunk { stream: "stdout" | "stderr"; data: Buffer }

/**
 * Output chunks of a logs/attach/exec stream. A systemerr frame (the daemon failed mid-stream)
 * ends the iteration with an error, as docker's stdcopy does.
 */
export async function* readOutput(source: AsyncIterable<Buffer> | Readable, multiplexed: boolean): AsyncGenerator<OutputChunk> {
  if (!multiplexed) {
    for await (const data of source as AsyncIterable<Buffer>) yield { stream: "stdout", data };
    return;
  }
  const dec = new FrameDecoder();
  for await (const chunk of source as AsyncIterable<Buffer>) {
    for (const f of dec.push(chunk)) {
      const out = toChunk(f);
      if (out) yield out;
    }
  }
  dec.finish();
}

function toChunk(f: Frame): OutputChunk | null {
  switch (f.stream) {
    case 1: return { stream: "stdout", data: f.data };
    case 2: return { stream: "stderr", data: f.data };
    case 3: throw new EngineError("Internal", `error from daemon in stream: ${f.data.toString("utf8").trimEnd()}`);
    default: return null; // stdin frames are never sent by a daemon; ignore like stdcopy
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
