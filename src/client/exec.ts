/** Exec calls of the Docker API. */
import type { ExecConfig, ExecInspect, IdResponse } from "../api/types/exec.js";
import type { HijackedStream } from "./hijacked-stream.js";
import type { Transport } from "./transport.js";

const enc = encodeURIComponent;

export class ExecApi {
  constructor(private readonly t: Transport) {}

  create(containerId: string, config: ExecConfig): Promise<IdResponse> {
    return this.t.json("POST", `/containers/${enc(containerId)}/exec`, { body: config });
  }

  /** Starts attached: stdin/stdout/stderr over the hijacked connection. */
  start(execId: string, o: { tty?: boolean; consoleSize?: [number, number] } = {}): Promise<HijackedStream> {
    return this.t.hijack(`/exec/${enc(execId)}/start`, {
      body: { Detach: false, Tty: o.tty ?? false, ConsoleSize: o.consoleSize ?? null },
      multiplexed: !o.tty,
    });
  }

  async startDetached(execId: string): Promise<void> {
    await this.t.empty("POST", `/exec/${enc(execId)}/start`, { body: { Detach: true, Tty: false } });
  }

  inspect(execId: string): Promise<ExecInspect> {
    return this.t.json("GET", `/exec/${enc(execId)}/json`);
  }

  async resize(execId: string, height: number, width: number): Promise<void> {
    await this.t.empty("POST", `/exec/${enc(execId)}/resize`, { query: { h: height, w: width } });
  }
}
