import type { Readable, Writable } from "node:stream";
import type { ClientStreams } from "../attach/attachSession.js";
import type { DetachScanner } from "../attach/detachKeys.js";
import { writeOut } from "../attach/streamCopy.js";
import type { AttachedExecShim } from "./spawnExecShim.js";

export type ExecSessionEnd = "exited" | "detached" | "aborted";

/** After the process exited, how long output may still trail in (a background child holding the pipe). */
const OUTPUT_GRACE_MS = 2000;

/**
 * Copies between an attached exec's pipes and the client: output (framed by the API when
 * there is no TTY; with one the shim sends the pty's bytes on stdout), input through the
 * detach scanner, the client's EOF as the process's stdin EOF. Resolves "exited" once the
 * process exited and its output is through; "detached"/"aborted" earlier, with the output
 * still drained (discarded) so the process never blocks on a full pipe.
 */
export function pumpAttachedExec(
  shim: AttachedExecShim,
  client: ClientStreams,
  opts: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean; scanner: DetachScanner },
  signal: AbortSignal,
): Promise<ExecSessionEnd> {
  let forwarding = true;
  let stopInput = () => {};
  return new Promise<ExecSessionEnd>((resolve) => {
    let settled = false;
    const settle = (why: ExecSessionEnd) => {
      if (settled) return;
      settled = true;
      forwarding = false;
      signal.removeEventListener("abort", onAbort);
      stopInput();
      if (why === "aborted" && !shim.stdin.writableEnded) shim.stdin.end();
      resolve(why);
    };
    const onAbort = () => settle("aborted");
    signal.addEventListener("abort", onAbort, { once: true });

    const copy = async (from: Readable, to: Writable | null) => {
      try {
        for await (const chunk of from) {
          if (forwarding && to) await writeOut(to, chunk as Buffer, signal);
        }
      } catch {
        /* the shim went away: its exit settles the session */
      }
    };
    const outTarget = opts.stdout ? client.stdout : null;
    const errTarget = opts.tty ? null : opts.stderr ? client.stderr : null;
    const outputs = Promise.all([copy(shim.stdout, outTarget), copy(shim.stderr, errTarget)]);

    shim.stdin.on("error", () => {}); // the process closed its stdin: later input is dropped
    if (opts.stdin && client.stdin) {
      const input = client.stdin;
      const onData = (chunk: Buffer) => {
        const { pass, detach } = opts.scanner.feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        if (pass.length && !shim.stdin.write(pass)) {
          input.pause();
          shim.stdin.once("drain", () => input.resume());
        }
        if (detach) settle("detached");
      };
      const onEnd = () => { stopInput(); if (!shim.stdin.writableEnded) shim.stdin.end(); };
      stopInput = () => { input.off("data", onData); input.off("end", onEnd); input.off("close", onEnd); };
      input.on("data", onData);
      input.once("end", onEnd);
      input.once("close", onEnd);
    } else {
      shim.stdin.end();
    }

    void shim.exited.then(async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([outputs, new Promise<void>((r) => { timer = setTimeout(r, OUTPUT_GRACE_MS); })]);
      clearTimeout(timer);
      settle("exited");
    });
  });
}
