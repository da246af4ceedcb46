import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { EngineError, conflict } from "../../../errors/EngineError.js";

/** One piece of output from the shim. */
export interface ShimOutput { stream: "stdout" | "stderr"; data: Buffer }

/**
 * A client of the shim's `attach` command on `<stateDir>/ctl.sock` (native/README.md): after
 * the answer `ok`, output arrives as frames `<stream 1|2><u32 BE length><data>` (pipes) or raw
 * bytes (terminal: all stdout); what we write goes to the process's stdin; our half-close
 * ends its stdin when the container has stdin_once. The shim closes the connection once the
 * process exited and its output is drained.
 */
export class ShimAttachment {
  private constructor(private readonly socket: Socket, private readonly leftover: Buffer, private readonly raw: boolean) {
    socket.on("error", () => {}); // surfaced through the output iterator / writes
  }

  /** Connects and asks to attach; Conflict if the shim holds no output, Unavailable if it is gone. */
  static async open(stateDir: string, opts: { raw: boolean; signal?: AbortSignal }): Promise<ShimAttachment> {
    const path = join(stateDir, "ctl.sock");
    const socket = createConnection({ path });
    const onAbort = () => socket.destroy();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const { line, rest } = await readAnswer(socket, path);
      if (line !== "ok") {
        socket.destroy();
        const msg = line.split("\t").slice(3).join("\t") || line;
        throw conflict(`attach: the shim refused: ${msg}`);
      }
      return new ShimAttachment(socket, rest, opts.raw);
    } catch (e) {
      socket.destroy();
      throw e;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Output in order; ends when the shim closes the connection (or we close it). */
  async *output(): AsyncGenerator<ShimOutput> {
    const decoder = this.raw ? null : new ShimFrameDecoder();
    const handle = (chunk: Buffer): ShimOutput[] => (decoder ? decoder.push(chunk) : chunk.length ? [{ stream: "stdout", data: chunk }] : []);
    for (const o of handle(this.leftover)) yield o;
    try {
      for await (const chunk of this.socket) for (const o of handle(chunk as Buffer)) yield o;
    } catch {
      /* reset by the shim or destroyed by us: the output is over either way */
    }
  }

  /** Writes stdin bytes; resolves once they were handed to the kernel (or the socket is gone). */
  writeStdin(data: Buffer): Promise<void> {
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { this.socket.off("close", done); resolve(); };
      this.socket.once("close", done);
      this.socket.write(data, () => done());
    });
  }

  /** Half-close: no more stdin from us (the shim closes the process's stdin with stdin_once). */
  endStdin(): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }
}

function readAnswer(socket: Socket, path: string): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        if (buf.length > 4096) { cleanup(); reject(new EngineError("Unavailable", `attach: ${path}: answer too long`)); }
        return;
      }
      cleanup();
      socket.pause();
      resolve({ line: buf.toString("utf8", 0, nl), rest: buf.subarray(nl + 1) });
    };
    const onError = (e: Error) => { cleanup(); reject(new EngineError("Unavailable", `attach: ${path}: ${e.message}`, { cause: e })); };
    const onClose = () => { cleanup(); reject(new EngineError("Unavailable", `attach: ${path}: closed without answering`)); };
    socket.on("data", onData);
    socket.once("error", onError);
    socket.once("close", onClose);
    socket.once("connect", () => socket.write("attach\n"));
  });
}

/** Decoder of the shim's 5-byte-header frames (not Docker's 8-byte stdcopy frames). */
export class ShimFrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ShimOutput[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: ShimOutput[] = [];
    let i = 0;
    while (this.buf.length - i >= 5) {
      const len = this.buf.readUInt32BE(i + 1);
      if (this.buf.length - i - 5 < len) break;
      const stream = this.buf[i] === 2 ? "stderr" : "stdout";
      out.push({ stream, data: Buffer.from(this.buf.subarray(i + 5, i + 5 + len)) });
      i += 5 + len;
    }
    this.buf = this.buf.subarray(i);
    return out;
  }
}
