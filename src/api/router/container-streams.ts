/** Container routes that stream: logs, attach, wait, stats, export and the archive routes. */
import { pipeline } from "node:stream/promises";
import { invalidArgument } from "../../errors/EngineError.js";
import type { AttachedStreams, ContainerBackend, OpenStreams } from "../backend.js";
import type { RequestContext } from "../context.js";
import { httpErrorFrom } from "../http-status.js";
import type { HijackedSession } from "../streams/hijack.js";
import { writeEncodedOutput, writeJsonLines, writeOutput } from "../streams/output.js";
import type { ContainerWaitResponse, PathStat, WaitCondition } from "../types/container.js";
import { MEDIA_MULTIPLEXED_STREAM, MEDIA_RAW_STREAM } from "../streams/hijack.js";
import { versionAtLeast } from "../version.js";
import { checkedTimestamp } from "./support.js";
import { need, param, type ApiRouter } from "./support.js";
import { mark } from "../../util/timingMarks.js";

const WAIT_CONDITIONS: readonly WaitCondition[] = ["not-running", "next-exit", "removed"];

function archivePath(ctx: RequestContext): string {
  const p = ctx.query.string("path");
  if (!p) throw invalidArgument("path cannot be empty");
  return p;
}

function statHeader(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString("base64");
}

/**
 * Runs an attach-style session: the backend calls `open` once it is ready, which hijacks the
 * connection. Errors before that are plain HTTP errors (thrown on); after it they go in-band.
 */
export async function runHijacked(
  ctx: RequestContext,
  want: { stdin: boolean; stdout: boolean; stderr: boolean },
  body: (open: OpenStreams) => Promise<void>,
): Promise<void> {
  let session: HijackedSession | null = null;
  const open: OpenStreams = (tty): AttachedStreams => {
    session = ctx.hijack(!tty);
    mark("http: hijacked");
    return {
      stdin: want.stdin ? session.stdin() : null,
      stdout: want.stdout ? session.stdout : null,
      stderr: want.stderr ? session.stderr : null,
    };
  };
  try {
    await body(open);
  } catch (e) {
    if (!session) throw e;
    (session as HijackedSession).reportError(httpErrorFrom(e).message);
  } finally {
    (session as HijackedSession | null)?.close();
  }
}

/** The promise's value, or null as soon as the signal fires. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => { signal.removeEventListener("abort", onAbort); resolve(v); },
      (e) => { signal.removeEventListener("abort", onAbort); reject(e); },
    );
  });
}

export function registerContainerStreamRoutes(router: ApiRouter, backend: ContainerBackend | undefined): void {
  const b = () => need(backend, "containers");

  router.add("GET", "/containers/{id}/logs", async (ctx) => {
    const q = ctx.query;
    const stdout = q.bool("stdout");
    const stderr = q.bool("stderr");
    if (!stdout && !stderr) throw invalidArgument("Bad parameters: you must choose at least one stream");
    const logs = await b().logs(param(ctx, "id"), {
      follow: q.bool("follow"), stdout, stderr, since: checkedTimestamp(ctx, "since"), until: checkedTimestamp(ctx, "until"),
      timestamps: q.bool("timestamps"), tail: q.string("tail") || "all", details: q.bool("details"),
    }, ctx.signal);
    const multiplexed = !logs.tty;
    const contentType = multiplexed && versionAtLeast(ctx.apiVersion, "1.42") ? MEDIA_MULTIPLEXED_STREAM : MEDIA_RAW_STREAM;
    const res = ctx.startStream(200, { "Content-Type": contentType });
    if (logs.encoded) await writeEncodedOutput(res, logs.encoded, multiplexed, ctx.signal);
    else await writeOutput(res, logs.chunks, multiplexed, ctx.signal);
  });

  router.add("POST", "/containers/{id}/attach", async (ctx) => {
    const q = ctx.query;
    const options = {
      stream: q.bool("stream"), logs: q.bool("logs"), stdin: q.bool("stdin"), stdout: q.bool("stdout"),
      stderr: q.bool("stderr"), detachKeys: q.string("detachKeys") || undefined,
    };
    const id = param(ctx, "id");
    await runHijacked(ctx, options, (open) => b().attach(id, options, open, ctx.signal));
  });

  router.add("POST", "/containers/{id}/wait", async (ctx) => {
    const raw = ctx.query.string("condition");
    const condition = (raw || "not-running") as WaitCondition;
    if (!WAIT_CONDITIONS.includes(condition)) throw invalidArgument(`invalid condition: ${JSON.stringify(raw)}`);
    const pending = await b().wait(param(ctx, "id"), condition, ctx.signal);
    // The CLI starts the container only after these headers arrive (docker run): flush now.
    const res = ctx.startStream(200, { "Content-Type": "application/json" });
    mark("http: wait headers sent");
    let answer: ContainerWaitResponse | null;
    try {
      // A client that gave up (docker run -d, Ctrl-C) ends the wait here; the backend saw the signal too.
      answer = await untilAborted(pending.result, ctx.signal);
    } catch (e) {
      answer = { StatusCode: -1, Error: { Message: httpErrorFrom(e).message } };
    }
    if (answer && !res.destroyed) res.end(JSON.stringify({ StatusCode: answer.StatusCode, Error: answer.Error ?? null }) + "\n");
  });

  router.add("GET", "/containers/{id}/stats", async (ctx) => {
    const stream = ctx.query.bool("stream", true);
    const oneShot = ctx.query.bool("one-shot");
    if (stream && oneShot) throw invalidArgument("cannot have stream=true and one-shot=true");
    const stats = await b().stats(param(ctx, "id"), { stream, oneShot }, ctx.signal);
    if (!stream) {
      for await (const s of stats) return ctx.sendJson(200, s);
      throw new Error("stats: the engine returned no sample");
    }
    const res = ctx.startStream(200, { "Content-Type": "application/json" });
    await writeJsonLines(res, stats, ctx.signal);
  });

  router.add("GET", "/containers/{id}/export", async (ctx) => {
    const tar = await b().export(param(ctx, "id"), ctx.signal);
    const res = ctx.startStream(200, { "Content-Type": "application/x-tar" });
    await pipeline(tar, res, { signal: ctx.signal }).catch(() => { tar.destroy(); });
  });

  router.add("HEAD", "/containers/{id}/archive", async (ctx) => {
    const stat = await b().archiveStat(param(ctx, "id"), archivePath(ctx));
    const res = ctx.response();
    res.writeHead(200, { "X-Docker-Container-Path-Stat": statHeader(stat), "Content-Type": "application/x-tar", "Content-Length": "0" });
    res.end();
  });

  router.add("GET", "/containers/{id}/archive", async (ctx) => {
    const { stat, tar } = await b().archiveGet(param(ctx, "id"), archivePath(ctx), ctx.signal);
    const res = ctx.startStream(200, { "X-Docker-Container-Path-Stat": statHeader(stat), "Content-Type": "application/x-tar" });
    await pipeline(tar, res, { signal: ctx.signal }).catch(() => { tar.destroy(); });
  });

  router.add("PUT", "/containers/{id}/archive", async (ctx) => {
    await b().archivePut(param(ctx, "id"), archivePath(ctx), ctx.bodyStream(), {
      noOverwriteDirNonDir: ctx.query.bool("noOverwriteDirNonDir"), copyUIDGID: ctx.query.bool("copyUIDGID"),
    });
    ctx.sendEmpty(200);
  });
}
