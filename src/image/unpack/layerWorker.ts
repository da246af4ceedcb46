import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { EngineError, internal } from "../../errors/EngineError.js";
import type { ApplyLayerOptions, ApplyLayerResult } from "./applyLayer.js";
import type { SnapshotUsage } from "../snapshot/Snapshotter.js";
import type { ApplyLayerJob, ApplyLayerReply } from "./applyLayerWorker.js";

/**
 * applyLayer in a worker thread of its own (applyLayerWorker.ts), reading the blob from its
 * file. The worker exits when the layer is done; an error comes back as an EngineError of the
 * same kind and message. The result carries the directory's disk usage afterwards. A worker that dies without answering is an Internal error; either way
 * the caller removes the half-written directory, as after an in-process failure.
 */
export function applyLayerInWorker(root: string, blobPath: string, opts: ApplyLayerOptions = {}): Promise<ApplyLayerResult & { usage: SnapshotUsage }> {
  const job: ApplyLayerJob = { root, blobPath, opts: { ...opts, ...(opts.lowerDirs ? { lowerDirs: [...opts.lowerDirs] } : {}) } };
  return new Promise((resolve, reject) => {
    let reply: ApplyLayerReply | undefined;
    const worker = new Worker(new URL("./applyLayerWorker.js", import.meta.url), { workerData: job });
    worker.once("message", (m: ApplyLayerReply) => {
      reply = m;
    });
    worker.once("error", (e) => {
      reply ??= { ok: false, kind: "Internal", message: `unpack layer: worker failed: ${e.message}` };
    });
    // Settle on exit, not on the message: the layer's fds and helper process are gone by then.
    worker.once("exit", (code) => {
      if (!reply) reject(internal(`unpack layer: worker exited with code ${code} without a result`));
      else if (reply.ok) resolve({ ...reply.result, usage: reply.usage });
      else reject(new EngineError(reply.kind, reply.message));
    });
  });
}

/** Layers applied at once: one per core. */
export function layerApplyConcurrency(): number {
  return Math.max(1, availableParallelism());
}
