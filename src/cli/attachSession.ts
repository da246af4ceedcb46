/**
 * The local end of an attach/exec session: local stdin goes to the container (raw mode when
 * it has a TTY, restored on every exit path), its output comes back to stdout/stderr, and with a
 * TTY the container's terminal follows the local window size. Resolves when the output ends.
 */
import type { HijackedStream } from "../client/hijacked-stream.js";
import type { CliContext } from "./io.js";

const FATAL: NodeJS.Signals[] = ["SIGTERM", "SIGHUP"];

export interface SessionOptions {
  stdin: boolean;
  tty: boolean;
  /** Sends a terminal size to the daemon (container or exec resize). */
  resize?: (rows: number, cols: number) => Promise<void>;
}

async function write(out: NodeJS.WritableStream, data: Buffer): Promise<void> {
  if (!out.write(data)) await new Promise((r) => out.once("drain", r));
}

export async function runSession(ctx: CliContext, stream: HijackedStream, o: SessionOptions): Promise<void> {
  const cleanups: (() => void)[] = [];
  try {
    if (o.tty && o.resize && ctx.stdout.isTTY) {
      const send = () => {
        const rows = ctx.stdout.rows ?? 0;
        const cols = ctx.stdout.columns ?? 0;
        if (rows > 0 && cols > 0) o.resize!(rows, cols).catch(() => { /* the process may be gone already */ });
      };
      send();
      ctx.stdout.on("resize", send);
      cleanups.push(() => ctx.stdout.off("resize", send));
    }
    if (o.stdin) {
      const input = ctx.stdin;
      if (o.tty && input.isTTY && input.setRawMode) {
        input.setRawMode(true);
        // Killed while attached: give the terminal back before dying of the same signal.
        const onSignal = (sig: NodeJS.Signals) => {
          input.setRawMode!(false);
          for (const s of FATAL) process.off(s, onSignal);
          process.kill(process.pid, sig);
        };
        for (const s of FATAL) process.on(s, onSignal);
        cleanups.push(() => {
          for (const s of FATAL) process.off(s, onSignal);
          input.setRawMode!(false);
        });
      }
      const onData = (d: Buffer) => {
        if (!stream.writable || stream.socket.writableEnded) return;
        if (!stream.write(d)) {
          input.pause();
          stream.socket.once("drain", () => input.resume());
        }
      };
      const onEnd = () => stream.closeWrite();
      input.on("data", onData);
      input.once("end", onEnd);
      cleanups.push(() => {
        input.off("data", onData);
        input.off("end", onEnd);
        input.pause();
      });
      input.resume();
    }
    for await (const chunk of stream.output()) {
      await write(chunk.stream === "stderr" && !o.tty ? ctx.stderr : ctx.stdout, chunk.data);
    }
  } finally {
    for (const c of cleanups.reverse()) c();
    stream.destroy();
  }
}
