import type { Readable, Writable } from "node:stream";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { containerLogs } from "../logs/containerLogs.js";
import { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from "./detachKeys.js";
import { ShimAttachment } from "./shimAttach.js";
import { writeOut } from "./streamCopy.js";

/** The client side of an attach, as the API hands it out (AttachedStreams). */
export interface ClientStreams { stdin: Readable | null; stdout: Writable | null; stderr: Writable | null }

export interface AttachRequest {
  /** Replay the log first. */
  logs: boolean;
  /** Then follow live output (and pass stdin) until the process ends. */
  stream: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys?: string;
}

export interface AttachTarget {
  /** The shim's state directory (ctl.sock, exit). */
  stateDir: string;
  logPath: string;
  tty: boolean;
}

/** How a session ended. */
export type AttachEnd = "exited" | "detached" | "aborted" | "not-running";

/**
 * An attach session (docker attach / docker start -a / docker run): optional log replay, then
 * live output from the shim into the client's streams and the client's input into the process,
 * watching for the detach keys. Ends when the shim closes (the process exited and its output
 * is drained), on detach (the container keeps running), or when the client goes away. The
 * client's half-close is passed on as ours, so a stdin_once container sees EOF.
 */
export async function runAttachSession(
  target: AttachTarget,
  req: AttachRequest,
  client: ClientStreams,
  signal: AbortSignal,
  /** How to reach the shim: default, its ctl.sock now if it exists; null = not running. */
  connect: () => Promise<ShimAttachment | null> = () => connectIfRunning(target, signal),
): Promise<AttachEnd> {
  const detachKeys = parseDetachKeys(req.detachKeys || DEFAULT_DETACH_KEYS);
  const out = (stream: "stdout" | "stderr") => (stream === "stdout" || target.tty ? (req.stdout ? client.stdout : null) : req.stderr ? client.stderr : null);
  if (req.logs) {
    for await (const p of containerLogs({ logPath: target.logPath, runtimeDir: target.stateDir }, { follow: false, stdout: req.stdout, stderr: req.stderr, timestamps: false, tail: "all", details: false }, signal)) {
      const w = out(p.stream);
      if (w) await writeOut(w, p.data, signal);
    }
  }
  if (!req.stream) return "exited";
  if (signal.aborted) return "aborted";
  const shim = await connect();
  if (!shim) return signal.aborted ? "aborted" : "not-running";
  let ended: AttachEnd | null = null;
  const finish = (why: AttachEnd) => {
    if (ended) return;
    ended = why;
    shim.close();
  };
  const onAbort = () => finish("aborted");
  signal.addEventListener("abort", onAbort, { once: true });
  const input = req.stdin && client.stdin ? pumpInput(client.stdin, shim, new DetachScanner(detachKeys), () => finish("detached")) : null;
  try {
    for await (const o of shim.output()) {
      const w = out(o.stream);
      if (w) await writeOut(w, o.data, signal);
    }
    finish("exited");
  } finally {
    signal.removeEventListener("abort", onAbort);
    shim.close();
    input?.stop();
  }
  return ended ?? "exited";
}

/** The shim of a running container, or null when there is none (or it ended while connecting). */
export async function connectIfRunning(target: AttachTarget, signal: AbortSignal): Promise<ShimAttachment | null> {
  const running = await access(join(target.stateDir, "ctl.sock")).then(() => true, () => false);
  if (!running) return null;
  try {
    return await ShimAttachment.open(target.stateDir, { raw: target.tty, signal });
  } catch (e) {
    if ((e as { kind?: string }).kind === "Unavailable") return null;
    throw e;
  }
}

/**
 * Client input → shim, through the detach scanner; the client's EOF becomes our half-close.
 * `stop` detaches the listeners when the session ends first.
 */
function pumpInput(stdin: Readable, shim: ShimAttachment, scanner: DetachScanner, onDetach: () => void): { stop(): void } {
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stdin.off("data", onData);
    stdin.off("end", onEnd);
    stdin.off("close", onEnd);
  };
  const onData = (chunk: Buffer) => {
    const { pass, detach } = scanner.feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    if (detach) {
      // What came before the keys still reaches the process; then the session ends.
      stop();
      void (pass.length ? shim.writeStdin(pass) : Promise.resolve()).then(onDetach);
      return;
    }
    if (pass.length) {
      stdin.pause();
      void shim.writeStdin(pass).then(() => { if (!stopped) stdin.resume(); });
    }
  };
  const onEnd = () => { if (stopped) return; stop(); shim.endStdin(); };
  stdin.on("data", onData);
  stdin.once("end", onEnd);
  stdin.once("close", onEnd);
  return { stop };
}
