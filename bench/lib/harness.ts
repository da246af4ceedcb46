/**
 * What every side-by-side benchmark needs around its measurements: statistics, phases bounded
 * in time (a stuck daemon aborts the run with a message instead of hanging it), cleanup that
 * also runs on SIGINT/SIGTERM, and memory figures read from /proc.
 */
import { readFileSync } from "node:fs";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}

export const PHASE_LIMIT_MS = 5 * 60_000;

/** Runs one phase; rejects with "phase X: exceeded N s, aborting" when it runs too long. */
export async function phase<T>(name: string, fn: () => Promise<T>, limitMs = PHASE_LIMIT_MS): Promise<T> {
  process.stderr.write(`bench: ${name}…\n`);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: phase "${name}" exceeded ${limitMs / 1000} s, aborting`)), limitMs);
  });
  try {
    return await Promise.race([fn(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Registers cleanups run in reverse order at the end (runCleanups) or on SIGINT/SIGTERM (then
 * the process exits 130). A second signal during cleanup exits at once.
 */
export class Cleanups {
  private readonly fns: { label: string; fn: () => Promise<string[] | void> }[] = [];
  private running: Promise<void> | undefined;

  constructor() {
    const onSignal = (sig: NodeJS.Signals) => {
      if (this.running) {
        process.stderr.write(`bench: ${sig} again, exiting without finishing cleanup\n`);
        process.exit(130);
      }
      process.stderr.write(`bench: ${sig}: cleaning up (containers, daemons, directories)…\n`);
      void this.run().finally(() => process.exit(130));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  /** True once cleanup has begun: loops that issue work should stop. */
  get stopping(): boolean {
    return this.running !== undefined;
  }

  add(label: string, fn: () => Promise<string[] | void>): void {
    this.fns.push({ label, fn });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { label, fn } of this.fns.reverse()) {
        try {
          const forced = await fn();
          if (forced && forced.length > 0) process.stderr.write(`bench: ${label}: had to force ${forced.length}: ${forced.slice(0, 10).join(", ")}${forced.length > 10 ? ", …" : ""}\n`);
        } catch (e) {
          process.stderr.write(`bench: cleanup ${label}: ${(e as Error).message}\n`);
        }
      }
    })();
    return this.running;
  }
}

/** Proportional set size of a process in KiB (0 if it is gone). */
export function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident set size of a process in KiB (0 if it is gone). */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Direct children of a process (from /proc/PID/task/PID/children). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

export const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

/** Prints rows as an aligned table (first column left, the rest right-aligned). */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}
