// Shared setup of the io-* integration tests: busybox containers started through the runtime
// in log mode (what the daemon's engine does), and a ContainerLookup over them.
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createContainer } from "../../src/runtime/lifecycle/create.js";
import { startContainer } from "../../src/runtime/lifecycle/start.js";
import { readRecord, containerDir } from "../../src/runtime/containerStore.js";
import { waitForExit } from "../../src/runtime/waitExit.js";
import type { ContainerLookup, ContainerRecord } from "../../src/engine/containers/ContainerRecord.js";
import { notFound } from "../../src/errors/EngineError.js";
import { makeTestRuntime, runtimeSkipReason, type TestRuntime } from "../helpers/runtime.js";
import type { BusyboxBundleOptions } from "../helpers/bundle.js";

export const skip = runtimeSkipReason() ?? false;

export interface IoContainer {
  id: string;
  record: ContainerRecord;
  stateDir: string;
  logPath: string;
  /** Waits for the exit record and marks the record exited. */
  waitExit(): Promise<number>;
}

export interface IoEnv {
  rt: TestRuntime;
  lookup: ContainerLookup & { records: Map<string, ContainerRecord> };
  run(args: string[], opts?: { tty?: boolean; stdin?: boolean; stdinOnce?: boolean; logMaxSize?: number; logMaxFiles?: number; bundle?: BusyboxBundleOptions; start?: boolean }): Promise<IoContainer>;
  cleanup(): Promise<void>;
}

export async function makeIoEnv(): Promise<IoEnv> {
  const rt = await makeTestRuntime();
  const records = new Map<string, ContainerRecord>();
  const lookup = {
    records,
    get(idOrName: string): ContainerRecord {
      const r = records.get(idOrName) ?? [...records.values()].find((x) => x.name === idOrName);
      if (!r) throw notFound(`No such container: ${idOrName}`);
      return r;
    },
    runtimeDir: (id: string) => containerDir(rt.ctx.root, id),
  };
  return {
    rt,
    lookup,
    async run(args, opts = {}) {
      const b = await rt.bundle({ ...opts.bundle, args, spec: (s) => { if (opts.tty) { s.process!.terminal = true; s.process!.env = [...(s.process!.env ?? []), "TERM=xterm"]; } opts.bundle?.spec?.(s); } });
      const id = `berth-test-io-${randomBytes(4).toString("hex")}`;
      const logPath = join(b.bundle, "container.log");
      const c = await createContainer(rt.ctx, {
        id, bundle: b.bundle, log: { path: logPath, maxSize: opts.logMaxSize ?? 10 * 1024 * 1024, maxFiles: opts.logMaxFiles ?? 1 },
        stdin: opts.stdin ? { open: true, once: opts.stdinOnce ?? true } : undefined,
      });
      const record: ContainerRecord = {
        id, name: `berth-test-${id.slice(-8)}`, created: new Date().toISOString(), image: "busybox", imageId: "sha256:0" as ContainerRecord["imageId"],
        config: { Tty: opts.tty === true, OpenStdin: opts.stdin === true, StdinOnce: opts.stdinOnce ?? true, User: "" } as ContainerRecord["config"],
        hostConfig: {} as ContainerRecord["hostConfig"], path: args[0]!, args: args.slice(1),
        state: { status: "created", pid: c.pid, exitCode: 0, startedAt: "", finishedAt: "", oomKilled: false, error: "" },
        restartCount: 0, dir: b.bundle, logPath, owner: "",
      };
      records.set(id, record);
      const stateDir = containerDir(rt.ctx.root, id);
      const start = async () => {
        await startContainer(rt.ctx, id);
        record.state.status = "running";
      };
      if (opts.start !== false) await start();
      return {
        id, record, stateDir, logPath,
        async waitExit() {
          const rec = await readRecord(rt.ctx.root, id);
          const exit = await waitForExit(rt.ctx.sys, { dir: stateDir, shimPid: rec.shimPid, shimStartTime: rec.shimStartTime }, { timeoutMs: 30_000 });
          record.state.status = "exited";
          record.state.pid = 0;
          return exit?.kind === "exited" ? exit.code : 128 + (exit?.kind === "signaled" ? exit.signal : 0);
        },
        ...(opts.start === false ? { start } : {}),
      } as IoContainer;
    },
    cleanup: () => rt.cleanup(),
  };
}

/** Collects an async iterable of pieces as text per stream. */
export async function collectText(it: AsyncIterable<{ stream: string; data: Buffer }>): Promise<{ stdout: string; stderr: string; all: string[] }> {
  let stdout = "", stderr = "";
  const all: string[] = [];
  for await (const p of it) {
    const t = p.data.toString("utf8");
    all.push(t);
    if (p.stream === "stderr") stderr += t; else stdout += t;
  }
  return { stdout, stderr, all };
}

/** A fake client side of a hijacked connection: collects output, feeds stdin on demand. */
export function fakeClient() {
  const { PassThrough } = require_stream();
  const stdin = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (d: Buffer) => out.push(d));
  stderr.on("data", (d: Buffer) => err.push(d));
  let openedTty: boolean | undefined;
  return {
    stdin,
    open(tty: boolean) {
      openedTty = tty;
      return { stdin, stdout, stderr: tty ? stdout : stderr };
    },
    get tty() { return openedTty; },
    stdout: () => Buffer.concat(out).toString("utf8"),
    stderr: () => Buffer.concat(err).toString("utf8"),
    /** Resolves once stdout contains `text`. */
    async waitFor(text: string, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!Buffer.concat(out).toString("utf8").includes(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)} in ${JSON.stringify(Buffer.concat(out).toString("utf8"))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

import * as streamModule from "node:stream";
function require_stream() { return streamModule; }
