/**
 * Writing container output (logs) onto a response: framed with stdcopy when the container has
 * no TTY, raw when it has one, stopping when the client leaves. A failure after the status line
 * is reported in-band (a systemerr frame, or a text line for raw streams), as the CLI expects.
 */
import type { ServerResponse } from "node:http";
import type { OutputChunk } from "../backend.js";
import { encodeFrame, STDERR, STDOUT, SYSTEMERR } from "./stdcopy.js";

function waitWritable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { res.off("drain", done); res.off("close", done); resolve(); };
    res.on("drain", done);
    res.on("close", done);
  });
}

export async function writeOutput(res: ServerResponse, chunks: AsyncIterable<OutputChunk>, multiplexed: boolean, signal: AbortSignal): Promise<void> {
  try {
    for await (const c of chunks) {
      if (signal.aborted || res.destroyed) break;
      const buf = multiplexed ? encodeFrame(c.stream === "stderr" ? STDERR : STDOUT, c.data) : c.data;
      if (!res.write(buf)) await waitWritable(res);
    }
  } catch (e) {
    if (!res.destroyed) {
      const msg = `Error running logs job: ${(e as Error).message}`;
      res.write(multiplexed ? encodeFrame(SYSTEMERR, msg + "\n") : msg + "\n");
    }
  }
  if (!res.destroyed) res.end();
}

/** Like writeOutput for output the backend already encoded (LogStream.encoded): each buffer written as is. */
export async function writeEncodedOutput(res: ServerResponse, buffers: AsyncIterable<Buffer>, multiplexed: boolean, signal: AbortSignal): Promise<void> {
  try {
    for await (const b of buffers) {
      if (signal.aborted || res.destroyed) break;
      if (!res.write(b)) await waitWritable(res);
    }
  } catch (e) {
    if (!res.destroyed) {
      const msg = `Error running logs job: ${(e as Error).message}`;
      res.write(multiplexed ? encodeFrame(SYSTEMERR, msg + "\n") : msg + "\n");
    }
  }
  if (!res.destroyed) res.end();
}

/** Writes each value as one JSON line (stats, events), honouring backpressure. */
export async function writeJsonLines(res: ServerResponse, values: AsyncIterable<unknown>, signal: AbortSignal): Promise<void> {
  for await (const v of values) {
    if (signal.aborted || res.destroyed) break;
    if (!res.write(JSON.stringify(v) + "\n")) await waitWritable(res);
  }
  if (!res.destroyed) res.end();
}
