/**
 * JSON-lines progress streams (pull, push, load, import): one JSON message per line, as moby's
 * streamformatter writes them. Headers are sent lazily: an error before the first message is an
 * ordinary HTTP error; an error after it is written in-stream as `errorDetail` + `error`, because
 * the 200 is already on the wire (moby's WriteFlusher.Flushed check).
 */
import type { ServerResponse } from "node:http";
import type { JSONMessage } from "../types/progress.js";

export interface ProgressSink {
  /** Writes one progress message. Resolves when the connection accepted it (backpressure). */
  write(msg: JSONMessage): Promise<void>;
}

export class JsonLinesWriter implements ProgressSink {
  private started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly contentType = "application/json",
  ) {}

  /** True once the status line went out; errors must then go in-stream. */
  get flushed(): boolean {
    return this.started;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { "Content-Type": this.contentType });
  }

  write(msg: JSONMessage): Promise<void> {
    this.start();
    if (this.res.destroyed) return Promise.resolve();
    const ok = this.res.write(JSON.stringify(msg) + "\r\n");
    if (ok) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { this.res.off("drain", done); this.res.off("close", done); resolve(); };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
  }

  /** The in-stream error message moby writes: `{"errorDetail":{"message":...},"error":...}`. */
  async writeError(message: string, code?: number): Promise<void> {
    await this.write({ errorDetail: code === undefined ? { message } : { code, message }, error: message });
  }

  end(): void {
    this.start();
    this.res.end();
  }
}
