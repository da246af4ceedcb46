import { createReadStream } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { EngineError } from "../../errors/EngineError.js";
import { applyLayer, type ApplyLayerOptions } from "./applyLayer.js";

/**
 * Worker-thread entry of layerWorker.ts: applies one layer blob (read from its content-store
 * file) into a directory and posts back the result or the error's kind and message. The
 * applier's calls are synchronous, so a layer applied here leaves the main thread free and
 * layers apply on all cores at once.
 */
export interface ApplyLayerJob {
  root: string;
  blobPath: string;
  opts: ApplyLayerOptions;
}

export type ApplyLayerReply = { ok: true; result: Awaited<ReturnType<typeof applyLayer>> } | { ok: false; kind: EngineError["kind"]; message: string };

const job = workerData as ApplyLayerJob;
let reply: ApplyLayerReply;
try {
  // 256 KiB reads: fewer round trips into the inflater (see README-pull.md).
  reply = { ok: true, result: await applyLayer(job.root, createReadStream(job.blobPath, { highWaterMark: 256 * 1024 }), job.opts) };
} catch (e) {
  reply = e instanceof EngineError ? { ok: false, kind: e.kind, message: e.message } : { ok: false, kind: "Internal", message: `unpack layer: ${(e as Error).message}` };
}
parentPort!.postMessage(reply);
