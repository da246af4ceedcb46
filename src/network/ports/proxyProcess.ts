/**
 * The TypeScript side of berth-proxy (docs/networking.md, "Port proxy"; protocol in
 * native/README.md). One detached proxy process per container with published ports: started
 * here (we wait for its bind report), identified afterwards by pid plus start time so that a
 * recycled pid is never mistaken for it (adoption after a daemon restart), and stopped here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Readable } from "node:stream";
import { EngineError, internal, invalidArgument } from "../../errors/EngineError.js";
import { formatMapping, type PortMapping } from "./portSpec.js";

export interface BoundPort {
  proto: "tcp" | "udp";
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface ProxyHandle {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot): tells this process from a pid reuse. */
  startTime: string;
  /** In the order of the mappings given to startProxy. */
  bound: BoundPort[];
}

const INSTALLED_PROXY = "/usr/local/libexec/berth/berth-proxy";
const START_TIMEOUT_MS = 5000;
const STOP_GRACE_MS = 2000;

/** $BERTH_PROXY, else the checkout's native/build/berth-proxy, else the installed copy. */
export function defaultProxyPath(): string {
  if (process.env.BERTH_PROXY) return process.env.BERTH_PROXY;
  const built = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../native/build/berth-proxy");
  // A checkout's own build wins over an installed copy when running from the checkout.
  if (existsSync(built)) return built;
  return INSTALLED_PROXY;
}

/** Undoes the line format's escapes (\\ \n \t) of one field. */
function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}

/** What the proxy wrote on its ready fd, once complete. */
export type ProxyReport =
  | { kind: "ready"; bound: { proto: string; hostIp: string; hostPort: number }[] }
  | { kind: "error"; mapping: string; errno: string; message: string };

/** Parses the ready-fd text; undefined while neither `ready` nor an `error` line has arrived. */
export function parseProxyReport(text: string): ProxyReport | undefined {
  const bound: { proto: string; hostIp: string; hostPort: number }[] = [];
  for (const line of text.split("\n").slice(0, -1)) {
    const f = line.split("\t").map(unescapeField);
    if (f[0] === "bound" && f.length === 4) bound.push({ proto: f[1], hostIp: f[2], hostPort: Number(f[3]) });
    else if (f[0] === "ready") return { kind: "ready", bound };
    else if (f[0] === "error") return { kind: "error", mapping: f[1] ?? "", errno: f[2] ?? "", message: f[3] ?? "" };
    else return { kind: "error", mapping: "", errno: "EPROTO", message: `unexpected report line ${JSON.stringify(line)}` };
  }
  return undefined;
}

/** The EngineError for an `error` report; Docker's own words for a port in use. */
export function proxyError(r: { mapping: string; errno: string; message: string }, mappings: PortMapping[]): EngineError {
  const m = mappings.find((x) => formatMapping(x) === r.mapping);
  const detail = { mapping: r.mapping, errno: r.errno, helperMessage: r.message };
  if (r.errno === "EADDRINUSE" && m) {
    return new EngineError("Conflict", `Bind for ${m.hostIp}:${m.hostPort} failed: port is already allocated`, { detail });
  }
  const text = `start port proxy: ${r.message}`;
  if (r.errno === "EINVAL" || r.errno === "EAFNOSUPPORT" || r.errno === "EADDRNOTAVAIL") return invalidArgument(text, { detail });
  return internal(text, { detail });
}

interface ProcStat {
  state: string;
  startTime: string;
}

/** State and start time from /proc/PID/stat, or undefined when there is no such process. */
async function readStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  return parseStat(text);
}

/** readStat without waiting (right after spawn, before anything else can run). */
function readStatSync(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

function parseStat(text: string): ProcStat {
  // comm (field 2) may contain spaces and parentheses: fields are counted after the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: rest[0], startTime: rest[22 - 3] };
}

/** True while the process exists, is not a zombie (PID 1 may reap late), and is the one started (same start time). */
export async function proxyAlive(h: { pid: number; startTime: string }): Promise<boolean> {
  const st = await readStat(h.pid);
  return st !== undefined && st.state !== "Z" && st.state !== "X" && st.startTime === h.startTime;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the child has exited; SIGKILL after `ms`. */
function reap(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("exit", () => {
      clearTimeout(t);
      res();
    });
  });
}

/**
 * Starts a proxy for `mappings` and waits for its bind report. On any failure the process is
 * gone before this throws: Conflict ("Bind for IP:PORT failed: port is already allocated") for
 * a port in use, InvalidArgument for a mapping the helper refuses, Internal otherwise.
 */
export async function startProxy(opts: {
  binary?: string;
  mappings: PortMapping[];
  /** default 5000 */
  timeoutMs?: number;
  /**
   * Called synchronously once the process exists, before its bind report: the caller records
   * it there, so a daemon that dies while waiting leaves a record that stops it later rather
   * than an unknown proxy. (The start time is fixed at fork: exec does not change it.)
   */
  onSpawn?: (h: { pid: number; startTime: string }) => void;
}): Promise<ProxyHandle> {
  if (opts.mappings.length === 0) throw invalidArgument("start port proxy: no port mappings");
  const binary = opts.binary ?? defaultProxyPath();
  const timeoutMs = opts.timeoutMs ?? START_TIMEOUT_MS;
  const args = ["--ready-fd", "3", ...opts.mappings.map(formatMapping)];
  // detached: its own session, so a terminal hangup or the daemon's process group signals
  // never reach it; it outlives the daemon and is adopted after a restart.
  const child = spawn(binary, args, { detached: true, stdio: ["ignore", "ignore", "ignore", "pipe"] });
  const ready = child.stdio[3] as Readable;
  if (opts.onSpawn && child.pid !== undefined) {
    const st = readStatSync(child.pid);
    if (st) {
      try {
        opts.onSpawn({ pid: child.pid, startTime: st.startTime });
      } catch (e) {
        // Not recorded: it must not run on unknown.
        child.kill("SIGKILL");
        ready.destroy();
        await reap(child, 0);
        throw internal(`start port proxy: recording pid ${child.pid}: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  const outcome = await new Promise<{ report?: ProxyReport; spawnError?: Error; exited?: string; timedOut?: boolean }>((res) => {
    let text = "";
    let settled = false;
    const settle = (v: { report?: ProxyReport; spawnError?: Error; exited?: string; timedOut?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res(v);
    };
    const timer = setTimeout(() => settle({ timedOut: true }), timeoutMs);
    child.once("error", (e) => settle({ spawnError: e }));
    ready.setEncoding("utf8");
    ready.on("data", (chunk: string) => {
      text += chunk;
      const report = parseProxyReport(text);
      if (report) settle({ report });
    });
    ready.on("error", () => {});
    // The report may still be in flight when the exit is seen: settle on the pipe's end.
    ready.once("close", () => settle({ report: parseProxyReport(text), exited: `code ${child.exitCode ?? "?"} ${child.signalCode ?? ""}`.trim() }));
  });
  ready.destroy();

  const fail = async (err: EngineError): Promise<never> => {
    if (child.pid !== undefined) {
      // The helper exits by itself after an error report; anything else is killed at once.
      await reap(child, outcome.report?.kind === "error" ? STOP_GRACE_MS : 0);
      err.detail.pid = child.pid;
    }
    throw err;
  };
  if (outcome.spawnError) return fail(internal(`start port proxy: spawn ${binary}: ${outcome.spawnError.message}`, { cause: outcome.spawnError }));
  if (outcome.timedOut) return fail(internal(`start port proxy: ${binary} did not report within ${timeoutMs} ms`));
  const report = outcome.report;
  if (!report) return fail(internal(`start port proxy: ${binary} ended without a report (${outcome.exited ?? "no exit status"})`));
  if (report.kind === "error") return fail(proxyError(report, opts.mappings));

  const bound: BoundPort[] = [];
  for (let i = 0; i < opts.mappings.length; i++) {
    const m = opts.mappings[i];
    const b = report.bound[i];
    if (!b || b.proto !== m.proto || !Number.isInteger(b.hostPort) || b.hostPort <= 0) {
      return fail(internal(`start port proxy: report does not match mapping ${formatMapping(m)}`));
    }
    bound.push({ proto: m.proto, hostIp: b.hostIp, hostPort: b.hostPort, containerIp: m.containerIp, containerPort: m.containerPort });
  }
  const pid = child.pid!;
  const st = await readStat(pid);
  if (!st || st.state === "Z") return fail(internal(`start port proxy: ${binary} exited right after binding`));
  // Node keeps reaping it while this daemon runs; it no longer keeps the event loop alive.
  child.unref();
  return { pid, startTime: st.startTime, bound };
}

/**
 * Stops a proxy: SIGTERM, SIGKILL after 2 s, returns once it is gone (a zombie counts as gone:
 * PID 1 may reap an orphan late). A pid that is gone or now belongs to another process
 * (different start time) is left alone.
 */
export async function stopProxy(h: { pid: number; startTime: string }): Promise<void> {
  if (!(await proxyAlive(h))) return;
  const signal = (sig: NodeJS.Signals): boolean => {
    try {
      process.kill(h.pid, sig);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
      throw internal(`stop port proxy ${h.pid}: ${(e as Error).message}`, { cause: e });
    }
  };
  if (!signal("SIGTERM")) return;
  for (const [deadline, next] of [[STOP_GRACE_MS, "SIGKILL"], [STOP_GRACE_MS, undefined]] as const) {
    const until = Date.now() + deadline;
    while (Date.now() < until) {
      if (!(await proxyAlive(h))) return;
      await sleep(10);
    }
    if (next === undefined) break;
    if (!(await proxyAlive(h)) || !signal(next)) return;
  }
  throw internal(`stop port proxy ${h.pid}: still running after SIGKILL`);
}
