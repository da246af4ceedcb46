/**
 * The client side of an attach/exec connection: write stdin, half-close when it ends (the
 * process sees EOF), read output demultiplexed.
 */
import type { HttpResponse } from "./http1.js";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { readOutput, type OutputChunk } from "./streams.js";

export class HijackedStream {
  constructor(
    readonly socket: Socket,
    /** What the daemon announced (multiplexed-stream or raw-stream). */
    readonly contentType: string,
    /** Whether output is framed: decided by the TTY setting, as the docker CLI does. */
    readonly multiplexed: boolean,
    /** False on the pre-upgrade protocol, where the connection only carries output. */
    readonly writable: boolean,
    private readonly response?: HttpResponse,
  ) {}

  write(data: Buffer | string): boolean {
    if (!this.writable) throw new Error("attach: this connection does not accept input (daemon did not upgrade it)");
    return this.socket.write(data);
  }

  /** Half-close: tells the daemon stdin is over while output keeps coming. */
  closeWrite(): void {
    if (this.writable && !this.socket.writableEnded) this.socket.end();
  }

  /** Pipes a readable into stdin, then half-closes. */
  async sendStdin(source: Readable | AsyncIterable<Buffer | string>): Promise<void> {
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      if (!this.write(chunk)) await new Promise((r) => this.socket.once("drain", r));
    }
    this.closeWrite();
  }

  /** Output until the daemon closes the connection. */
  output(): AsyncGenerator<OutputChunk> {
    return readOutput(this.response ?? this.socket, this.multiplexed);
  }

  /** All output collected per stream (tests, short commands). */
  async collect(): Promise<{ stdout: string; stderr: string }> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    for await (const c of this.output()) (c.stream === "stdout" ? out : err).push(c.data);
    return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
  }

  destroy(): void {
    this.socket.destroy();
  }
}
