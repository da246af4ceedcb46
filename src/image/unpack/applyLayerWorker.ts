import { createReadStream } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { EngineError } from "../../errors/EngineError.js";
import { directoryUsageSync } from "../snapshot/usage.js";
import type { SnapshotUsage } from "../snapshot/Snapshotter.js";
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

export type ApplyLayerReply = { ok: true; result: Awaited<ReturnType<typeof applyLayer>>; usage: SnapshotUsage } | { ok: false; kind: EngineError["kind"]; message: string };

const job = workerData as ApplyLayerJob;
let reply: ApplyLayerReply;
try {
  // 256 KiB reads: fewer round trips into the inflater (see README-pull.md).
  const result = await applyLayer(job.root, createReadStream(job.blobPath, { highWaterMark: 256 * 1024 }), job.opts);
  // The snapshot's disk usage, measured here while the tree is hot in the cache and off the
  // main thread (the image's size is recorded from it).
  reply = { ok: true, result, usage: directoryUsageSync(job.root) };
} catch (e) {
  reply = e instanceof EngineError ? { ok: false, kind: e.kind, message: e.message } : { ok: false, kind: "Internal", message: `unpack layer: ${(e as Error).message}` };
}
parentPort!.postMessage(reply);
